// Signs a keyward-shaped JWT with npm `jose` using a key pair jose generates, so keyward's
// validator can be checked against an independent signer.
// usage: node jose_sign.mjs <ES256|EdDSA> <out-dir> <issuer> <audience> <iat> <exp>
// writes <out-dir>/pub.jwk.json (public JWK, kid = RFC 7638 thumbprint) and <out-dir>/token.txt;
// prints the kid.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

const [alg, outDir, issuer, audience, iat, exp] = process.argv.slice(2);
if (!exp) {
  console.error('usage: node jose_sign.mjs <ES256|EdDSA> <out-dir> <issuer> <audience> <iat> <exp>');
  process.exit(2);
}
const { publicKey, privateKey } = await generateKeyPair(alg, { crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
const jwk = await exportJWK(publicKey);
const kid = await calculateJwkThumbprint(jwk);
const token = await new SignJWT({ tenant: 'ten_jose', roles: ['Global Viewer'] })
  .setProtectedHeader({ alg, typ: 'kw+jwt', kid })
  .setIssuer(issuer)
  .setAudience(audience)
  .setSubject('key_from_jose')
  .setJti('jti_from_jose')
  .setIssuedAt(Number(iat))
  .setExpirationTime(Number(exp))
  .sign(privateKey);
writeFileSync(join(outDir, 'pub.jwk.json'), JSON.stringify({ ...jwk, kid }));
writeFileSync(join(outDir, 'token.txt'), token);
console.log(kid);

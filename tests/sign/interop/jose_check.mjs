// Verifies a JWT with npm `jose` (an independent JOSE implementation) against a JWKS file,
// the way a resource server would use keyward's published keys.
// usage: node jose_check.mjs <jwks.json> <token-file> <issuer> <audience> <typ>
// prints one JSON line: {"ok":true,"kid":...,"alg":...,"payload":{...}}
//                    or {"ok":false,"code":...,"message":...}
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify } from 'jose';

const [jwksPath, tokenPath, issuer, audience, typ] = process.argv.slice(2);
if (!typ) {
  console.error('usage: node jose_check.mjs <jwks.json> <token-file> <issuer> <audience> <typ>');
  process.exit(2);
}
const jwks = createLocalJWKSet(JSON.parse(readFileSync(jwksPath, 'utf8')));
const token = readFileSync(tokenPath, 'utf8').trim();
try {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer,
    audience,
    typ,
    algorithms: ['ES256', 'EdDSA'],
    requiredClaims: ['iat', 'exp', 'jti', 'sub'],
  });
  console.log(JSON.stringify({ ok: true, kid: protectedHeader.kid, alg: protectedHeader.alg, payload }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, code: err.code ?? 'ERROR', message: String(err.message) }));
}

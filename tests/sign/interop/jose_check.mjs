// Verifies a JWT with npm `jose` (an independent JOSE implementation) against keyward's
// published keys, the way a third-party resource server would: a JWKS file, or a JWKS URL
// fetched over HTTP (GET /v1/tenants/{tenant_id}/jwks.json of a running keyward).
// usage: node jose_check.mjs <jwks.json | http(s)://.../jwks.json> <token-file> <issuer> <audience> <typ>
// prints one JSON line: {"ok":true,"kid":...,"alg":...,"payload":{...}}
//                    or {"ok":false,"code":...,"message":...}
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';

const [jwksSource, tokenPath, issuer, audience, typ] = process.argv.slice(2);
if (!typ) {
  console.error('usage: node jose_check.mjs <jwks.json> <token-file> <issuer> <audience> <typ>');
  process.exit(2);
}
const jwks = /^https?:\/\//.test(jwksSource)
  ? createRemoteJWKSet(new URL(jwksSource))
  : createLocalJWKSet(JSON.parse(readFileSync(jwksSource, 'utf8')));
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

// Verifies a JWT with npm `jose` against a JWKS fetched over HTTP from a running keyward
// (GET /v1/tenants/{tenant_id}/jwks.json), the way a third-party resource server would.
// usage: node jose_remote_check.mjs <jwks-url> <token-file> <issuer> <audience> <typ>
// prints one JSON line: {"ok":true,"kid":...,"alg":...,"payload":{...}}
//                    or {"ok":false,"code":...,"message":...}
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [jwksUrl, tokenPath, issuer, audience, typ] = process.argv.slice(2);
if (!typ) {
  console.error('usage: node jose_remote_check.mjs <jwks-url> <token-file> <issuer> <audience> <typ>');
  process.exit(2);
}
const jwks = createRemoteJWKSet(new URL(jwksUrl));
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

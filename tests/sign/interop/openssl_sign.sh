#!/usr/bin/env bash
# An independent RFC 9421 client built from the openssl command line only: it generates a
# key with `openssl genpkey`, computes the RFC 9530 Content-Digest with `openssl dgst`,
# writes the signature base by hand and signs it with `openssl pkeyutl -sign -rawin`
# (Ed25519) or `openssl dgst -sha256 -sign` (ECDSA P-256, DER converted to raw r||s).
# keyward's verifier must accept what this script produces (tests/sign/interop/
# openssl_interop_test.cc).
#
# usage: openssl_sign.sh <dir> <ed25519|ecdsa-p256-sha256> <created> <method> <target-uri> <body-file> [keyid]
# writes: <dir>/key.pem, <dir>/pub.pem, <dir>/base.txt and <dir>/headers.txt
#         (lines "content-digest: ...", "signature-input: ...", "signature: ...")
set -euo pipefail

dir=$1 alg=$2 created=$3 method=$4 target_uri=$5 body_file=$6 keyid=${7:-openssl-key}

# KEYWARD_KEEP_KEY=1 signs with an existing $dir/key.pem (a key registered beforehand).
if [ "${KEYWARD_KEEP_KEY:-0}" = 1 ] && [ -f "$dir/key.pem" ]; then :; else
case "$alg" in
  ed25519) openssl genpkey -algorithm ed25519 -out "$dir/key.pem" ;;
  ecdsa-p256-sha256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/key.pem" ;;
  *) echo "unknown algorithm $alg" >&2; exit 2 ;;
esac
fi
openssl pkey -in "$dir/key.pem" -pubout -out "$dir/pub.pem"

digest=$(openssl dgst -sha256 -binary "$body_file" | openssl base64 -A)
content_digest="sha-256=:${digest}:"
params="(\"@method\" \"@target-uri\" \"content-digest\");created=${created};keyid=\"${keyid}\";alg=\"${alg}\""

# The signature base (RFC 9421 §2.5): one line per component, no trailing newline.
printf '"@method": %s\n"@target-uri": %s\n"content-digest": %s\n"@signature-params": %s' \
  "$method" "$target_uri" "$content_digest" "$params" > "$dir/base.txt"

# Big-endian hex to bytes, padded to 32 bytes (64 hex digits), without xxd.
hex_to_file() {
  local hex=$1 out=$2
  hex=${hex#00}  # DER INTEGERs carry a leading 00 when the top bit is set
  while [ ${#hex} -lt 64 ]; do hex="0$hex"; done
  printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" >> "$out"
}

if [ "$alg" = ed25519 ]; then
  openssl pkeyutl -sign -rawin -inkey "$dir/key.pem" -in "$dir/base.txt" -out "$dir/sig.bin"
else
  openssl dgst -sha256 -sign "$dir/key.pem" -out "$dir/sig.der" "$dir/base.txt"
  : > "$dir/sig.bin"
  for int in $(openssl asn1parse -inform DER -in "$dir/sig.der" | awk -F: '/INTEGER/ {print $NF}'); do
    hex_to_file "$int" "$dir/sig.bin"
  done
fi
signature=$(openssl base64 -A -in "$dir/sig.bin")

{
  printf 'content-digest: %s\n' "$content_digest"
  printf 'signature-input: sig1=%s\n' "$params"
  printf 'signature: sig1=:%s:\n' "$signature"
} > "$dir/headers.txt"

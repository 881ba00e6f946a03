/* sparkcam's mbedTLS 3.6 configuration (MBEDTLS_CONFIG_FILE).
 *
 * tools/mbedtls/build compiles Debian 13's mbedtls source package with this
 * file into static libraries for each target (tools/bootstrap runs it), the
 * way firmware projects build mbedTLS: only what a TLS client of one API
 * host and one CDN needs, stated here, nothing else.
 *
 *   TLS 1.3 first, TLS 1.2 as fallback; client only; ECDHE key exchange
 *   (X25519, P-256, P-384) with AEAD suites only (AES-GCM, ChaCha20-Poly1305);
 *   session tickets on both versions; SNI; server certificates RSA or ECDSA,
 *   verified against a PEM CA store (file or directory), host names and
 *   IP-address SANs.
 *   PSA Crypto (TLS 1.3 runs on it): the application calls psa_crypto_init()
 *   before the first handshake (firmware/tls/tls.cpp).
 *   AES in hardware where the CPU has it, chosen at run time: AES-NI + PCLMUL
 *   on x86-64, the ARMv8 Cryptography Extension on aarch64 (Pi 5; a Pi 4 has
 *   none and takes the table code). GCM keeps the large table for CPUs
 *   without carry-less multiply.
 *
 * Buffers: 16384-byte records each way (servers send full records; TLS 1.3
 * has no dependable way to ask for smaller ones): ~2 x 16.7 KB per
 * connection, plus the handshake's transient state. Heap is measured by
 * tests/unit/tls and tools/bench/upload.
 */
#ifndef SPARKCAM_MBEDTLS_CONFIG_H
#define SPARKCAM_MBEDTLS_CONFIG_H

/* Platform */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_FS_IO
#define MBEDTLS_DEPRECATED_REMOVED
#define MBEDTLS_ERROR_C
#define MBEDTLS_VERSION_C

/* Randomness: the TLS DRBG is seeded from hal::Entropy; PSA has its own
 * (getrandom through the platform entropy source). */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* Symmetric crypto */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#if defined(__x86_64__)
#define MBEDTLS_AESNI_C
#endif
#if defined(__aarch64__)
#define MBEDTLS_AESCE_C
#endif
#define MBEDTLS_GCM_C
#define MBEDTLS_GCM_LARGE_TABLE
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_MD_C
#define MBEDTLS_HKDF_C /* TLS 1.3 key schedule (PSA HKDF) */
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#if defined(__aarch64__)
#define MBEDTLS_SHA256_USE_ARMV8_A_CRYPTO_IF_PRESENT
#endif

/* Public keys: verifying server certificates and ECDHE */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_OID_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C /* SPKI pins: the server key as DER */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21 /* RSA-PSS: TLS 1.3 signatures */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_SECP521R1_ENABLED /* some CA roots are P-521 */
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* PSA Crypto (TLS 1.3) */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_USE_PSA_CRYPTO
/* Buffers handed to PSA are this process's own, never memory shared with
 * another: no defensive copies (they cost two 16 KB allocations per record). */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS

/* TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED /* resumption */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH

#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 16384

#endif /* SPARKCAM_MBEDTLS_CONFIG_H */

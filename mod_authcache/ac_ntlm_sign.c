/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NTLM signing keys and message signatures: see ac_ntlm_sign.h.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ac_ntlm.h"
#include "ac_ntlm_sign.h"

/* MS-NLMP 3.4.5.2 and 3.4.5.3, each with its terminating NUL */
static const char *const magic[2][2] = {
    { "session key to client-to-server signing key magic constant",
      "session key to client-to-server sealing key magic constant" },
    { "session key to server-to-client signing key magic constant",
      "session key to server-to-client sealing key magic constant" }
};

/* MD5(key[0..len) || m with its NUL) */
static int derive(const unsigned char *key, apr_size_t len, const char *m,
                  unsigned char out[16])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok;

    ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL)
         && EVP_DigestUpdate(ctx, key, len)
         && EVP_DigestUpdate(ctx, m, strlen(m) + 1)
         && EVP_DigestFinal_ex(ctx, out, &n) && n == 16;
    EVP_MD_CTX_free(ctx);
    return ok;
}

apr_status_t ac_ntlm_session_keys(const unsigned char exported_key[16],
                                  apr_uint32_t flags, ac_ntlm_direction_e dir,
                                  unsigned char sign_key[16],
                                  unsigned char seal_key[16])
{
    apr_size_t seal_len = (flags & AC_NTLM_NEGOTIATE_128) ? 16
                          : (flags & AC_NTLM_NEGOTIATE_56) ? 7 : 5;

    if (derive(exported_key, 16, magic[dir][0], sign_key)
        && derive(exported_key, seal_len, magic[dir][1], seal_key))
        return APR_SUCCESS;
    OPENSSL_cleanse(sign_key, 16);
    OPENSSL_cleanse(seal_key, 16);
    return APR_EGENERAL;
}

apr_status_t ac_ntlm_sign(const unsigned char sign_key[16], apr_uint32_t seq,
                          const unsigned char *msg, apr_size_t len,
                          unsigned char sig[AC_NTLM_SIGNATURE_LEN])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    unsigned char le[4], h[16];
    OSSL_PARAM params[2];
    size_t n = 0;
    int ok;

    le[0] = (unsigned char)seq;
    le[1] = (unsigned char)(seq >> 8);
    le[2] = (unsigned char)(seq >> 16);
    le[3] = (unsigned char)(seq >> 24);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)"MD5", 0);
    params[1] = OSSL_PARAM_construct_end();
    ok = ctx && EVP_MAC_init(ctx, sign_key, 16, params)
         && EVP_MAC_update(ctx, le, 4)
         && (!len || EVP_MAC_update(ctx, msg, len))
         && EVP_MAC_final(ctx, h, &n, sizeof(h)) && n == 16;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    if (!ok)
        return APR_EGENERAL;
    /* Version 1, Checksum, SeqNum: all little-endian */
    memcpy(sig, "\x01\0\0\0", 4);
    memcpy(sig + 4, h, 8);
    memcpy(sig + 12, le, 4);
    OPENSSL_cleanse(h, sizeof(h));
    return APR_SUCCESS;
}

apr_status_t ac_ntlm_sign_verify(const unsigned char sign_key[16],
                                 apr_uint32_t seq, const unsigned char *msg,
                                 apr_size_t len, const unsigned char *sig,
                                 apr_size_t sig_len, int *ok)
{
    unsigned char want[AC_NTLM_SIGNATURE_LEN];
    apr_status_t rv = ac_ntlm_sign(sign_key, seq, msg, len, want);

    *ok = rv == APR_SUCCESS && sig_len == AC_NTLM_SIGNATURE_LEN
          && CRYPTO_memcmp(want, sig, AC_NTLM_SIGNATURE_LEN) == 0;
    return rv;
}

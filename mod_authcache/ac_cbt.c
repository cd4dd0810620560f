/*
 * Channel bindings for NTLM over TLS: see ac_cbt.h.
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ac_cbt.h"

static const char end_point_prefix[] = "tls-server-end-point:";

static apr_status_t refuse(const char **why, const char *reason,
                           apr_status_t rv)
{
    *why = reason;
    return rv;
}

/* RFC 5929 4.1 for a parsed certificate */
static apr_status_t end_point(X509 *x, unsigned char out[AC_CBT_HASH_MAX],
                              apr_size_t *out_len, const char **why)
{
    int mdnid = NID_undef, pknid, secbits;
    uint32_t flags;
    unsigned int n = 0;
    const EVP_MD *md;

    /* X509_get_signature_info also knows RSASSA-PSS's hash */
    if (!X509_get_signature_info(x, &mdnid, &pknid, &secbits, &flags)
        || mdnid == NID_undef)
        return refuse(why, "the certificate's signature has no single hash "
                           "(Ed25519?): RFC 5929 defines no "
                           "tls-server-end-point for it", APR_ENOTIMPL);
    if (mdnid == NID_md5 || mdnid == NID_sha1 || mdnid == NID_md5_sha1)
        mdnid = NID_sha256;
    md = EVP_get_digestbynid(mdnid);
    if (!md || EVP_MD_get_size(md) > AC_CBT_HASH_MAX
        || !X509_digest(x, md, out, &n))
        return refuse(why, "cannot hash the certificate with its signature "
                           "hash", APR_ENOTIMPL);
    *out_len = n;
    return APR_SUCCESS;
}

apr_status_t ac_cbt_server_end_point(const unsigned char *der,
                                     apr_size_t len,
                                     unsigned char out[AC_CBT_HASH_MAX],
                                     apr_size_t *out_len, const char **why)
{
    const unsigned char *p = der;
    X509 *x = len <= 0x7fffffff ? d2i_X509(NULL, &p, (long)len) : NULL;
    apr_status_t rv;

    if (!x || p != der + len) {
        X509_free(x);
        return refuse(why, "not one DER certificate", APR_EINVAL);
    }
    rv = end_point(x, out, out_len, why);
    X509_free(x);
    return rv;
}

apr_status_t ac_cbt_gss_md5(const unsigned char *app, apr_size_t len,
                            unsigned char out[AC_CBT_LEN])
{
    /* initiator (type, length), acceptor (type, length): all zero */
    unsigned char head[20] = { 0 };
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok;

    if (len > 0xffffffffU) {
        EVP_MD_CTX_free(ctx);
        return APR_EINVAL;
    }
    /* application_data.length, little-endian as clients lay it out */
    head[16] = (unsigned char)len;
    head[17] = (unsigned char)(len >> 8);
    head[18] = (unsigned char)(len >> 16);
    head[19] = (unsigned char)(len >> 24);
    ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL)
         && EVP_DigestUpdate(ctx, head, sizeof(head))
         && (!len || EVP_DigestUpdate(ctx, app, len))
         && EVP_DigestFinal_ex(ctx, out, &n) && n == AC_CBT_LEN;
    EVP_MD_CTX_free(ctx);
    return ok ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t ac_cbt_ntlm_from_pem(const char *pem,
                                  unsigned char out[AC_CBT_LEN],
                                  const char **why)
{
    unsigned char app[sizeof(end_point_prefix) - 1 + AC_CBT_HASH_MAX];
    const apr_size_t plen = sizeof(end_point_prefix) - 1;
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    apr_size_t n = 0;
    apr_status_t rv;

    BIO_free(bio);
    if (!x)
        return refuse(why, "not a PEM certificate", APR_EINVAL);
    memcpy(app, end_point_prefix, plen);
    rv = end_point(x, app + plen, &n, why);
    X509_free(x);
    if (rv == APR_SUCCESS && (rv = ac_cbt_gss_md5(app, plen + n, out))
                             != APR_SUCCESS)
        *why = "MD5 unavailable";
    return rv;
}

int ac_cbt_is_unbound(const unsigned char v[AC_CBT_LEN])
{
    static const unsigned char zero[AC_CBT_LEN];
    unsigned char empty[AC_CBT_LEN];

    if (!memcmp(v, zero, AC_CBT_LEN))
        return 1;
    return ac_cbt_gss_md5(NULL, 0, empty) == APR_SUCCESS
           && !memcmp(v, empty, AC_CBT_LEN);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Channel bindings for NTLM over TLS: see ac_cbt.h.
 */
#include <string.h>

#include <openssl/asn1.h>
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

/*
 * The signature algorithm of a DER certificate (RFC 5280: SEQUENCE {
 * tbsCertificate, signatureAlgorithm, signatureValue }) that must fill
 * der[0..len) exactly, read without decoding the rest: OpenSSL 3 spends
 * some 250 us on a certificate's public key, more than a whole logon.
 */
static X509_ALGOR *signature_alg(const unsigned char *der, apr_size_t len)
{
    const unsigned char *p = der, *q;
    long n, tbs;
    int tag, cls;

    if (len > 0x7fffffff
        || (ASN1_get_object(&p, &n, &tag, &cls, (long)len) & 0x80)
        || tag != V_ASN1_SEQUENCE || p + n != der + len)
        return NULL;
    q = p;
    if ((ASN1_get_object(&q, &tbs, &tag, &cls, n) & 0x80)
        || tag != V_ASN1_SEQUENCE)
        return NULL;
    q += tbs;
    return d2i_X509_ALGOR(NULL, &q, (long)(der + len - q));
}

/* The hash of the signature: NID_undef for EdDSA, which has none. */
static int signature_hash(const unsigned char *der, apr_size_t len,
                          const X509_ALGOR *alg)
{
    int nid = OBJ_obj2nid(alg->algorithm), md = NID_undef, pk, bits;
    const unsigned char *p = der;
    uint32_t flags;
    X509 *x;

    if (nid != NID_rsassaPss)
        return OBJ_find_sigid_algs(nid, &md, &pk) ? md : NID_undef;
    /* RSASSA-PSS names its hash in parameters: OpenSSL reads them */
    x = d2i_X509(NULL, &p, (long)len);
    if (!x || !X509_get_signature_info(x, &md, &pk, &bits, &flags))
        md = NID_undef;
    X509_free(x);
    return md;
}

apr_status_t ac_cbt_server_end_point(const unsigned char *der,
                                     apr_size_t len,
                                     unsigned char out[AC_CBT_HASH_MAX],
                                     apr_size_t *out_len, const char **why)
{
    X509_ALGOR *alg = signature_alg(der, len);
    const EVP_MD *md;
    unsigned int n = 0;
    int mdnid;

    if (!alg)
        return refuse(why, "not one DER certificate", APR_EINVAL);
    mdnid = signature_hash(der, len, alg);
    X509_ALGOR_free(alg);
    if (mdnid == NID_undef)
        return refuse(why, "the certificate's signature has no single hash "
                           "(Ed25519?): RFC 5929 defines no "
                           "tls-server-end-point for it", APR_ENOTIMPL);
    if (mdnid == NID_md5 || mdnid == NID_sha1 || mdnid == NID_md5_sha1)
        mdnid = NID_sha256;
    md = EVP_get_digestbynid(mdnid);
    if (!md || EVP_MD_get_size(md) > AC_CBT_HASH_MAX
        || !EVP_Digest(der, len, out, &n, md, NULL))
        return refuse(why, "cannot hash the certificate with its signature "
                           "hash", APR_ENOTIMPL);
    *out_len = n;
    return APR_SUCCESS;
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

apr_status_t ac_cbt_app_data(const char *pem,
                             unsigned char out[AC_CBT_APP_MAX],
                             apr_size_t *len, const char **why)
{
    const apr_size_t plen = sizeof(end_point_prefix) - 1;
    BIO *bio = BIO_new_mem_buf(pem, -1);
    unsigned char *der = NULL;
    long der_len = 0;
    apr_size_t n = 0;
    apr_status_t rv;

    *len = 0;
    if (!bio || !PEM_bytes_read_bio(&der, &der_len, NULL, PEM_STRING_X509,
                                    bio, NULL, NULL)) {
        BIO_free(bio);
        return refuse(why, "not a PEM certificate", APR_EINVAL);
    }
    BIO_free(bio);
    memcpy(out, end_point_prefix, plen);
    rv = ac_cbt_server_end_point(der, (apr_size_t)der_len, out + plen, &n,
                                 why);
    OPENSSL_free(der);
    if (rv == APR_SUCCESS)
        *len = plen + n;
    return rv;
}

apr_status_t ac_cbt_ntlm_from_pem(const char *pem,
                                  unsigned char out[AC_CBT_LEN],
                                  const char **why)
{
    unsigned char app[AC_CBT_APP_MAX];
    apr_size_t len;
    apr_status_t rv = ac_cbt_app_data(pem, app, &len, why);

    if (rv == APR_SUCCESS && (rv = ac_cbt_gss_md5(app, len, out))
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

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for ac_negotiate.c: principals GSSAPI hands over, split into
 * the names REMOTE_USER is made of; bare NTLMSSP tokens told apart; the
 * tls-server-end-point application data for a certificate.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tap.h"
#include "apr_general.h"
#include "apr_strings.h"
#include "ac_cbt.h"
#include "ac_negotiate.h"

static apr_pool_t *pool;

/* "user|realm|DOMAIN" or "refused" */
static const char *split(const char *name)
{
    const char *u, *r, *d, *why;

    if (ac_negotiate_split_principal(name, pool, &u, &r, &d, &why)
        != APR_SUCCESS)
        return "refused";
    return apr_pstrcat(pool, u, "|", r, "|", d, NULL);
}

/* a self-signed certificate, PEM, and its SHA-256 over DER */
static char *make_cert(unsigned char sha256[32])
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    BIO *b = BIO_new(BIO_s_mem());
    unsigned int n = 0;
    char *pem, *data;
    long len;

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_sign(x, key, EVP_sha256());
    PEM_write_bio_X509(b, x);
    X509_digest(x, EVP_sha256(), sha256, &n);
    len = BIO_get_mem_data(b, &data);
    pem = apr_pstrmemdup(pool, data, (apr_size_t)len);
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(key);
    return pem;
}

int main(void)
{
    unsigned char app[AC_CBT_APP_MAX], want[32];
    apr_size_t len = 0;
    const char *why = NULL;
    char *pem;

    apr_initialize();
    apr_pool_create(&pool, NULL);

    is_str(split("alice@EXAMPLE.TEST"), "alice|EXAMPLE.TEST|EXAMPLE",
           "user@REALM: the domain is the realm's first label");
    is_str(split("bob@corp.example.com"), "bob|corp.example.com|CORP",
           "a lower-case realm: the domain in capitals");
    is_str(split("a\\@b@EXAMPLE.TEST"), "a\\@b|EXAMPLE.TEST|EXAMPLE",
           "an escaped @ stays in the user");
    is_str(split("SINGLE@REALM"), "SINGLE|REALM|REALM", "a one-label realm");
    is_str(split("HTTP/web@EXAMPLE.TEST"), "refused",
           "a service principal (an instance) is refused");
    is_str(split("alice"), "refused", "no realm");
    is_str(split("@EXAMPLE.TEST"), "refused", "no user");
    is_str(split("alice@"), "refused", "an empty realm");
    is_str(split("alice@.TEST"), "refused",
           "a realm whose first label is empty (found by fuzz_negotiate)");
    is_str(split("a\\/b@EXAMPLE.TEST"), "a\\/b|EXAMPLE.TEST|EXAMPLE",
           "an escaped / is no instance");

    ok(ac_negotiate_is_ntlmssp((const unsigned char *)"NTLMSSP\0\1\0\0\0",
                               12), "a bare NTLMSSP message");
    ok(!ac_negotiate_is_ntlmssp((const unsigned char *)"NTLMSSP", 7),
       "seven bytes are not one");
    ok(!ac_negotiate_is_ntlmssp((const unsigned char *)"\x60\x82\x01\x00"
                                "\x06\x06\x2b\x06", 8),
       "a GSSAPI (SPNEGO) token is not one");

    pem = make_cert(want);
    ok(ac_cbt_app_data(pem, app, &len, &why) == APR_SUCCESS,
       "tls-server-end-point of an ECDSA-SHA256 certificate");
    ok(len == 21 + 32 && !memcmp(app, "tls-server-end-point:", 21)
       && !memcmp(app + 21, want, 32),
       "  the prefix, then SHA-256 of the DER certificate");
    ok(ac_cbt_app_data("garbage", app, &len, &why) == APR_EINVAL,
       "garbage is no PEM certificate");
    return tap_done();
}

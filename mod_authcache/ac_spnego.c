/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SPNEGO tokens with OpenSSL's ASN.1 templates: see ac_spnego.h.
 *
 * RFC 4178's module has EXPLICIT TAGS: every context tag below wraps its
 * field. mechTypes is decoded as ANY first, which keeps the bytes the
 * client sent (tag and length included) for the mechListMIC, then those
 * bytes as a SEQUENCE OF OBJECT IDENTIFIER.
 */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/objects.h>

#include "apr_strings.h"

#include "ac_spnego.h"

typedef struct {
    ASN1_TYPE *mech_types;              /* [0] MechTypeList */
    ASN1_BIT_STRING *req_flags;         /* [1] ContextFlags, unused */
    ASN1_OCTET_STRING *mech_token;      /* [2] */
    ASN1_OCTET_STRING *mic;             /* [3] */
} SPNEGO_INIT;

ASN1_SEQUENCE(SPNEGO_INIT) = {
    ASN1_EXP(SPNEGO_INIT, mech_types, ASN1_ANY, 0),
    ASN1_EXP_OPT(SPNEGO_INIT, req_flags, ASN1_BIT_STRING, 1),
    ASN1_EXP_OPT(SPNEGO_INIT, mech_token, ASN1_OCTET_STRING, 2),
    ASN1_EXP_OPT(SPNEGO_INIT, mic, ASN1_OCTET_STRING, 3)
} static_ASN1_SEQUENCE_END(SPNEGO_INIT)

typedef struct {
    ASN1_ENUMERATED *neg_state;         /* [0] */
    ASN1_OBJECT *supported_mech;        /* [1] */
    ASN1_OCTET_STRING *response_token;  /* [2] */
    ASN1_OCTET_STRING *mic;             /* [3] */
} SPNEGO_RESP;

ASN1_SEQUENCE(SPNEGO_RESP) = {
    ASN1_EXP_OPT(SPNEGO_RESP, neg_state, ASN1_ENUMERATED, 0),
    ASN1_EXP_OPT(SPNEGO_RESP, supported_mech, ASN1_OBJECT, 1),
    ASN1_EXP_OPT(SPNEGO_RESP, response_token, ASN1_OCTET_STRING, 2),
    ASN1_EXP_OPT(SPNEGO_RESP, mic, ASN1_OCTET_STRING, 3)
} static_ASN1_SEQUENCE_END(SPNEGO_RESP)

/* NegotiationToken ::= CHOICE { [0] NegTokenInit, [1] NegTokenResp } */
typedef struct {
    int type;
    union {
        SPNEGO_INIT *init;
        SPNEGO_RESP *resp;
    } value;
} SPNEGO_TOKEN;

#define TOKEN_INIT 0
#define TOKEN_RESP 1

ASN1_CHOICE(SPNEGO_TOKEN) = {
    ASN1_EXP(SPNEGO_TOKEN, value.init, SPNEGO_INIT, 0),
    ASN1_EXP(SPNEGO_TOKEN, value.resp, SPNEGO_RESP, 1)
} static_ASN1_CHOICE_END(SPNEGO_TOKEN)

/* InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE { thisMech,
 * innerContextToken }, the inner token being SPNEGO's NegotiationToken */
typedef struct {
    ASN1_OBJECT *this_mech;
    SPNEGO_TOKEN *token;
} SPNEGO_GSS_BODY;

ASN1_SEQUENCE(SPNEGO_GSS_BODY) = {
    ASN1_SIMPLE(SPNEGO_GSS_BODY, this_mech, ASN1_OBJECT),
    ASN1_SIMPLE(SPNEGO_GSS_BODY, token, SPNEGO_TOKEN)
} static_ASN1_SEQUENCE_END(SPNEGO_GSS_BODY)

ASN1_ITEM_TEMPLATE(SPNEGO_GSS_TOKEN) =
    ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_IMPTAG | ASN1_TFLG_APPLICATION, 0,
                          InitialContextToken, SPNEGO_GSS_BODY)
static_ASN1_ITEM_TEMPLATE_END(SPNEGO_GSS_TOKEN)

/* MechTypeList ::= SEQUENCE OF MechType */
ASN1_ITEM_TEMPLATE(SPNEGO_MECH_TYPES) =
    ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SEQUENCE_OF, 0, MechTypeList,
                          ASN1_OBJECT)
static_ASN1_ITEM_TEMPLATE_END(SPNEGO_MECH_TYPES)

/* The OIDs' contents octets */
static const unsigned char oid_spnego[] = { 0x2b, 0x06, 0x01, 0x05, 0x05,
                                            0x02 };
static const struct {
    ac_spnego_mech_e mech;
    const unsigned char *der;
    int len;
} mechs[] = {
    { AC_SPNEGO_MECH_KRB5,
      (const unsigned char *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02", 9 },
    { AC_SPNEGO_MECH_MS_KRB5,
      (const unsigned char *)"\x2a\x86\x48\x82\xf7\x12\x01\x02\x02", 9 },
    { AC_SPNEGO_MECH_NTLMSSP,
      (const unsigned char *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a",
      10 }
};

static int oid_is(const ASN1_OBJECT *o, const unsigned char *der, int len)
{
    return OBJ_length(o) == (size_t)len && !memcmp(OBJ_get0_data(o), der,
                                                   (size_t)len);
}

static ac_spnego_mech_e mech_of(const ASN1_OBJECT *o)
{
    size_t i;

    for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
        if (oid_is(o, mechs[i].der, mechs[i].len))
            return mechs[i].mech;
    return AC_SPNEGO_MECH_OTHER;
}

static apr_status_t refuse(const char **why, const char *reason)
{
    *why = reason;
    return APR_EINVAL;
}

/* A copy of an optional OCTET STRING's bytes (NULL, 0 when absent) */
static void copy_octets(const ASN1_OCTET_STRING *s, apr_pool_t *p,
                        const unsigned char **out, apr_size_t *len)
{
    *out = NULL;
    *len = 0;
    if (s) {
        *len = (apr_size_t)ASN1_STRING_length(s);
        *out = apr_pmemdup(p, ASN1_STRING_get0_data(s), *len ? *len : 1);
    }
}

/* mechTypes: kept as received, and its first mechanism named */
static apr_status_t read_mech_types(const ASN1_TYPE *t, apr_pool_t *p,
                                    ac_spnego_token_t *out, const char **why)
{
    STACK_OF(ASN1_OBJECT) *list = NULL;
    const unsigned char *der, *q;
    long len;
    int n;

    if (ASN1_TYPE_get(t) != V_ASN1_SEQUENCE)
        return refuse(why, "mechTypes is not a SEQUENCE");
    der = ASN1_STRING_get0_data(t->value.sequence);
    len = ASN1_STRING_length(t->value.sequence);
    q = der;
    list = (STACK_OF(ASN1_OBJECT) *)ASN1_item_d2i(
        NULL, &q, len, ASN1_ITEM_rptr(SPNEGO_MECH_TYPES));
    if (!list || q != der + len) {
        sk_ASN1_OBJECT_pop_free(list, ASN1_OBJECT_free);
        return refuse(why, "mechTypes is not a list of OIDs");
    }
    n = sk_ASN1_OBJECT_num(list);
    if (n < 1 || n > AC_SPNEGO_MAX_MECHS) {
        sk_ASN1_OBJECT_pop_free(list, ASN1_OBJECT_free);
        return refuse(why, "mechTypes empty or longer than any client's");
    }
    out->nmechs = n;
    out->first_mech = mech_of(sk_ASN1_OBJECT_value(list, 0));
    out->mech_types = apr_pmemdup(p, der, (apr_size_t)len);
    out->mech_types_len = (apr_size_t)len;
    sk_ASN1_OBJECT_pop_free(list, ASN1_OBJECT_free);
    return APR_SUCCESS;
}

static apr_status_t read_resp(const SPNEGO_RESP *resp, apr_pool_t *p,
                              ac_spnego_token_t *out, const char **why)
{
    int64_t state;

    out->neg_state = -1;
    if (resp->neg_state) {
        if (!ASN1_ENUMERATED_get_int64(&state, resp->neg_state)
            || state < AC_SPNEGO_ACCEPT_COMPLETED
            || state > AC_SPNEGO_REQUEST_MIC)
            return refuse(why, "negState out of range");
        out->neg_state = (int)state;
    }
    if (resp->supported_mech) {
        out->has_supported_mech = 1;
        out->supported_mech = mech_of(resp->supported_mech);
    }
    copy_octets(resp->response_token, p, &out->mech_token,
                &out->mech_token_len);
    copy_octets(resp->mic, p, &out->mic, &out->mic_len);
    return APR_SUCCESS;
}

/*
 * The InitialContextToken's mechanism, read with OpenSSL's BER header
 * reader: APR_SUCCESS and *o (to be freed) for a token in that framing.
 */
static apr_status_t framing_mech(const unsigned char *tok, apr_size_t len,
                                 ASN1_OBJECT **o)
{
    const unsigned char *q = tok;
    long clen;
    int tag, xclass, ret;

    *o = NULL;
    ret = ASN1_get_object(&q, &clen, &tag, &xclass, (long)len);
    if ((ret & 0x80) || !(ret & V_ASN1_CONSTRUCTED) || tag != 0
        || xclass != V_ASN1_APPLICATION)
        return APR_EINVAL;
    *o = d2i_ASN1_OBJECT(NULL, &q, (long)(len - (apr_size_t)(q - tok)));
    return *o ? APR_SUCCESS : APR_EINVAL;
}

static apr_status_t parse_init(const unsigned char *tok, apr_size_t len,
                               apr_pool_t *p, ac_spnego_token_t *out,
                               const char **why)
{
    const unsigned char *q = tok;
    SPNEGO_GSS_BODY *body;
    apr_status_t rv;

    body = (SPNEGO_GSS_BODY *)ASN1_item_d2i(NULL, &q, (long)len,
                                            ASN1_ITEM_rptr(SPNEGO_GSS_TOKEN));
    if (!body || q != tok + len)
        rv = refuse(why, "not a DER SPNEGO InitialContextToken");
    else if (body->token->type != TOKEN_INIT)
        rv = refuse(why, "an InitialContextToken without a NegTokenInit");
    else {
        SPNEGO_INIT *init = body->token->value.init;

        out->kind = AC_SPNEGO_INIT;
        out->neg_state = -1;
        rv = read_mech_types(init->mech_types, p, out, why);
        if (rv == APR_SUCCESS) {
            copy_octets(init->mech_token, p, &out->mech_token,
                        &out->mech_token_len);
            copy_octets(init->mic, p, &out->mic, &out->mic_len);
        }
    }
    ASN1_item_free((ASN1_VALUE *)body, ASN1_ITEM_rptr(SPNEGO_GSS_TOKEN));
    return rv;
}

static apr_status_t parse_resp(const unsigned char *tok, apr_size_t len,
                               apr_pool_t *p, ac_spnego_token_t *out,
                               const char **why)
{
    const unsigned char *q = tok;
    SPNEGO_TOKEN *t;
    apr_status_t rv;

    t = (SPNEGO_TOKEN *)ASN1_item_d2i(NULL, &q, (long)len,
                                      ASN1_ITEM_rptr(SPNEGO_TOKEN));
    if (!t || q != tok + len)
        rv = refuse(why, "neither a GSS InitialContextToken nor a DER "
                         "NegTokenResp");
    else if (t->type != TOKEN_RESP)
        rv = refuse(why, "a NegTokenInit without its InitialContextToken");
    else {
        out->kind = AC_SPNEGO_RESP;
        rv = read_resp(t->value.resp, p, out, why);
    }
    ASN1_item_free((ASN1_VALUE *)t, ASN1_ITEM_rptr(SPNEGO_TOKEN));
    return rv;
}

apr_status_t ac_spnego_parse(const unsigned char *tok, apr_size_t len,
                             apr_pool_t *p, ac_spnego_token_t *out,
                             const char **why)
{
    ASN1_OBJECT *o;
    apr_status_t rv;

    memset(out, 0, sizeof(*out));
    out->neg_state = -1;
    if (!len || len > 0x7fffffff)
        return refuse(why, "empty or over-long token");
    if (framing_mech(tok, len, &o) != APR_SUCCESS)
        return parse_resp(tok, len, p, out, why);
    if (oid_is(o, oid_spnego, (int)sizeof(oid_spnego)))
        rv = parse_init(tok, len, p, out, why);
    else {
        out->kind = AC_SPNEGO_GSS_OTHER;
        out->this_mech = mech_of(o);
        rv = APR_SUCCESS;
    }
    ASN1_OBJECT_free(o);
    return rv;
}

static ASN1_OCTET_STRING *octets(const unsigned char *d, apr_size_t len)
{
    ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();

    if (s && !ASN1_OCTET_STRING_set(s, d, (int)len)) {
        ASN1_OCTET_STRING_free(s);
        return NULL;
    }
    return s;
}

/* The NegTokenResp's fields; 0 when OpenSSL fails */
static int fill_resp(SPNEGO_RESP *resp, int neg_state, ac_spnego_mech_e mech,
                     const unsigned char *resp_token, apr_size_t resp_len,
                     const unsigned char *mic, apr_size_t mic_len)
{
    size_t i;

    if (neg_state >= 0 && (!(resp->neg_state = ASN1_ENUMERATED_new())
                           || !ASN1_ENUMERATED_set(resp->neg_state,
                                                   neg_state)))
        return 0;
    for (i = 0; mech && i < sizeof(mechs) / sizeof(mechs[0]); i++)
        if (mechs[i].mech == mech
            && !(resp->supported_mech = ASN1_OBJECT_create(
                     NID_undef, (unsigned char *)mechs[i].der, mechs[i].len,
                     NULL, NULL)))
            return 0;
    if (resp_token && !(resp->response_token = octets(resp_token, resp_len)))
        return 0;
    if (mic && !(resp->mic = octets(mic, mic_len)))
        return 0;
    return 1;
}

apr_status_t ac_spnego_build_resp(int neg_state, ac_spnego_mech_e mech,
                                  const unsigned char *resp_token,
                                  apr_size_t resp_len,
                                  const unsigned char *mic, apr_size_t mic_len,
                                  apr_pool_t *p, unsigned char **out,
                                  apr_size_t *out_len)
{
    SPNEGO_TOKEN *t;
    unsigned char *der = NULL;
    int n = -1;

    if (neg_state > AC_SPNEGO_REQUEST_MIC || mech < AC_SPNEGO_MECH_OTHER
        || mech > AC_SPNEGO_MECH_NTLMSSP)
        return APR_EINVAL;
    if (!(t = (SPNEGO_TOKEN *)ASN1_item_new(ASN1_ITEM_rptr(SPNEGO_TOKEN))))
        return APR_ENOMEM;
    t->type = TOKEN_RESP;
    t->value.resp = (SPNEGO_RESP *)ASN1_item_new(ASN1_ITEM_rptr(SPNEGO_RESP));
    if (t->value.resp
        && fill_resp(t->value.resp, neg_state, mech, resp_token, resp_len,
                     mic, mic_len))
        n = ASN1_item_i2d((ASN1_VALUE *)t, &der, ASN1_ITEM_rptr(SPNEGO_TOKEN));
    ASN1_item_free((ASN1_VALUE *)t, ASN1_ITEM_rptr(SPNEGO_TOKEN));
    if (n <= 0)
        return APR_ENOMEM;
    *out = apr_pmemdup(p, der, (apr_size_t)n);
    *out_len = (apr_size_t)n;
    OPENSSL_free(der);
    return APR_SUCCESS;
}

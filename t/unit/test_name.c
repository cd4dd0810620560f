/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the login name splitter (ac_name.c).
 */
#include "tap.h"
#include "ac_name.h"

static const char *ac_name_form_str(ac_name_form_e form)
{
    return form == AC_NAME_DOWNLEVEL ? "down-level"
         : form == AC_NAME_UPN ? "upn" : "plain";
}

static char buf[1024];

/* "domain|user|form" for a name that splits, or "refused" */
static const char *split(const char *name, apr_size_t len, const char *dflt)
{
    ac_name_t n;
    const char *why = NULL;

    if (ac_name_split(name, len, dflt, &n, &why) != APR_SUCCESS)
        return why ? "refused" : "refused without a reason";
    snprintf(buf, sizeof(buf), "%.*s|%.*s|%s", (int)n.domain_len, n.domain,
             (int)n.user_len, n.user, ac_name_form_str(n.form));
    return buf;
}

#define S(name, dflt) split(name, strlen(name), dflt)

int main(void)
{
    static const struct {
        const char *name, *dflt, *want;
    } cases[] = {
        { "alice", NULL, "|alice|plain" },
        { "alice", "EXAMPLE", "EXAMPLE|alice|plain" },
        { "EXAMPLE\\alice", NULL, "EXAMPLE|alice|down-level" },
        { "EXAMPLE\\alice", "OTHER", "EXAMPLE|alice|down-level" },
        { "alice@example.test", "EXAMPLE", "example.test|alice|upn" },
        { "a\\b", NULL, "a|b|down-level" },
        { "a@b", NULL, "b|a|upn" },
        /* case is kept: the backend decides whether ALICE is alice */
        { "ALICE", "EXAMPLE", "EXAMPLE|ALICE|plain" },
        { "J\xc3\xbcrgen", NULL, "|J\xc3\xbcrgen|plain" },          /* ü */
        { "\xe2\x82\xac", NULL, "|\xe2\x82\xac|plain" },              /* € */
        { "\xf0\x9f\x98\x80", NULL, "|\xf0\x9f\x98\x80|plain" },      /* 😀 */
        { "first last", NULL, "|first last|plain" },
        /* refused */
        { "", NULL, "refused" },
        { "\\alice", NULL, "refused" },
        { "EXAMPLE\\", NULL, "refused" },
        { "@example", NULL, "refused" },
        { "alice@", NULL, "refused" },
        { "\\", NULL, "refused" },
        { "@", NULL, "refused" },
        { "A\\B\\c", NULL, "refused" },
        { "a@b@c", NULL, "refused" },
        { "D\\a@b", NULL, "refused" },
        { "tab\there", NULL, "refused" },
        { "del\x7f", NULL, "refused" },
        { "nl\n", NULL, "refused" },
        { "\xff", NULL, "refused" },                 /* not UTF-8 */
        { "\xc3", NULL, "refused" },                 /* truncated */
        { "\xc0\xaf", NULL, "refused" },             /* overlong '/' */
        { "\xe0\x80\xaf", NULL, "refused" },         /* overlong */
        { "\xed\xa0\x80", NULL, "refused" },         /* surrogate */
        { "\xf4\x90\x80\x80", NULL, "refused" },     /* > U+10FFFF */
        { "\xc3\x28", NULL, "refused" },             /* bad continuation */
        { "latin1-\xe9", NULL, "refused" },          /* ISO-8859-1 é */
    };
    char big[AC_NAME_MAX + 2];
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        is_str(S(cases[i].name, cases[i].dflt), cases[i].want,
               "split case %d", (int)i);

    /* an embedded NUL is a control character, not an end */
    is_str(split("ali\0ce", 6, NULL), "refused", "embedded NUL refused");

    memset(big, 'a', sizeof(big));
    is_str(split(big, AC_NAME_MAX, NULL) == buf ? "split" : "refused",
           "split", "name of AC_NAME_MAX bytes accepted");
    is_str(split(big, AC_NAME_MAX + 1, NULL), "refused",
           "name of AC_NAME_MAX+1 bytes refused");
    return tap_done();
}

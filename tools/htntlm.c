/* SPDX-License-Identifier: Apache-2.0 */
/*
 * htntlm: manages the credential files of "AuthNTLMProvider file", as
 * htpasswd and htdigest do theirs. A line is
 *
 *     user:DOMAIN:NTHASH
 *
 * where NTHASH is 32 lowercase hex digits of MD4(UTF-16LE(password)), the
 * NT one-way function (MS-NLMP 3.3.1). The hash is what NTLM proves
 * knowledge of: guard the file like the passwords themselves.
 *
 *   htntlm [-c] FILE DOMAIN USER             prompt for the password
 *   htntlm [-c] -b FILE DOMAIN USER PASSWORD password on the command line
 *   htntlm [-c] -i FILE DOMAIN USER          password from stdin
 *   htntlm -D FILE DOMAIN USER               delete the user
 *
 * -c creates (truncates) FILE. The file is rewritten through a temporary
 * file and renamed, so a reader never sees half of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apr_file_io.h"
#include "apr_general.h"
#include <stdarg.h>

#include "apr_getopt.h"
#include "apr_lib.h"
#include "apr_strings.h"

#include "ac_hex.h"
#include "ac_ntlm.h"

#define MAX_LINE 1024

static apr_pool_t *pool;

static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "htntlm: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    exit(1);
}

static void usage(void)
{
    fprintf(stderr,
        "usage: htntlm [-c] FILE DOMAIN USER\n"
        "       htntlm [-c] -b FILE DOMAIN USER PASSWORD\n"
        "       htntlm [-c] -i FILE DOMAIN USER   (password on stdin)\n"
        "       htntlm -D FILE DOMAIN USER\n"
        "  -c  create FILE (an existing one is overwritten)\n"
        "  -b  take the password from the command line (visible to ps!)\n"
        "  -i  read the password from standard input\n"
        "  -D  delete USER in DOMAIN\n");
    exit(2);
}

/* user and domain may hold neither ':' nor control characters */
static void check_name(const char *what, const char *s)
{
    if (!*s)
        die("%s must not be empty", what);
    for (; *s; s++)
        if (*s == ':' || apr_iscntrl((unsigned char)*s))
            die("%s must not contain ':' or control characters", what);
}

static const char *read_password(int from_stdin)
{
    char buf[MAX_LINE], again[MAX_LINE];
    apr_size_t len = sizeof(buf);

    if (from_stdin) {
        if (!fgets(buf, sizeof(buf), stdin))
            die("%s", "no password on standard input");
        buf[strcspn(buf, "\r\n")] = '\0';
        return apr_pstrdup(pool, buf);
    }
    if (apr_password_get("New password: ", buf, &len) != APR_SUCCESS)
        die("%s", "cannot read the password");
    len = sizeof(again);
    if (apr_password_get("Re-type new password: ", again, &len)
        != APR_SUCCESS || strcmp(buf, again))
        die("%s", "the passwords do not match");
    return apr_pstrdup(pool, buf);
}

static const char *hash_line(const char *user, const char *domain,
                             const char *password)
{
    unsigned char h[16];
    char hex[33];

    if (ac_ntlm_nt_hash(password, h) != APR_SUCCESS)
        die("%s", "the password is not valid UTF-8");
    ac_hex_encode(h, 16, hex);
    return apr_psprintf(pool, "%s:%s:%s\n", user, domain, hex);
}

int main(int argc, const char *const argv[])
{
    apr_getopt_t *opt;
    char ch;
    const char *optarg, *file, *domain, *user, *line = NULL, *tmp, *prefix;
    int create = 0, batch = 0, from_stdin = 0, delete = 0, found = 0;
    apr_file_t *in = NULL, *out;
    apr_status_t rv;
    char buf[MAX_LINE];

    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&pool, NULL);
    apr_getopt_init(&opt, pool, argc, argv);
    while ((rv = apr_getopt(opt, "cbiD", &ch, &optarg)) == APR_SUCCESS) {
        switch (ch) {
        case 'c': create = 1; break;
        case 'b': batch = 1; break;
        case 'i': from_stdin = 1; break;
        case 'D': delete = 1; break;
        }
    }
    if (rv != APR_EOF || (create && delete) || (batch && from_stdin))
        usage();
    if (argc - opt->ind != (batch ? 4 : 3))
        usage();
    file = argv[opt->ind];
    domain = argv[opt->ind + 1];
    user = argv[opt->ind + 2];
    check_name("USER", user);
    check_name("DOMAIN", domain);
    if (!delete)
        line = hash_line(user, domain, batch ? argv[opt->ind + 3]
                                             : read_password(from_stdin));

    if (!create
        && apr_file_open(&in, file, APR_FOPEN_READ, APR_OS_DEFAULT, pool)
           != APR_SUCCESS)
        die("cannot open %s (use -c to create it)", file);
    tmp = apr_pstrcat(pool, file, ".XXXXXX", NULL);
    if (apr_file_mktemp(&out, (char *)tmp, APR_FOPEN_CREATE | APR_FOPEN_WRITE
                        | APR_FOPEN_EXCL, pool) != APR_SUCCESS)
        die("cannot create a temporary file beside %s", file);
    apr_file_perms_set(tmp, APR_FPROT_UREAD | APR_FPROT_UWRITE
                            | APR_FPROT_GREAD);

    /* copy every line but the one for (user, domain), which is replaced */
    prefix = apr_pstrcat(pool, user, ":", domain, ":", NULL);
    while (in && apr_file_gets(buf, sizeof(buf), in) == APR_SUCCESS) {
        if (!strncmp(buf, prefix, strlen(prefix))) {
            found = 1;
            if (line)
                apr_file_puts(line, out);
            line = NULL;
            continue;
        }
        apr_file_puts(buf, out);
    }
    if (line)
        apr_file_puts(line, out);
    if (in)
        apr_file_close(in);
    if (apr_file_close(out) != APR_SUCCESS
        || apr_file_rename(tmp, file, pool) != APR_SUCCESS) {
        apr_file_remove(tmp, pool);
        die("cannot write %s", file);
    }
    if (delete && !found)
        die("user not found in %s", file);
    printf("%s %s\\%s in %s\n", delete ? "Deleted" : found ? "Updated"
           : "Added", domain, user, file);
    return 0;
}

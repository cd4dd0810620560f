#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# An application that accepts only freshly verified NTLM credentials, as
# an http.sys application checking HTTP_REQUEST_AUTH_FLAG_TOKEN_FOR_CACHED_CRED.
if (($ENV{AUTHCACHE_CACHED_CRED} // '') eq '1') {
    print "Status: 401 Unauthorized\nContent-Type: text/plain\n\nfresh logon needed\n";
} else {
    print "Content-Type: text/plain\n\nhello $ENV{REMOTE_USER}\n";
}

#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# The application of the stack tests (issue 11), as a CGI program: prints
# what it was told about the user, one KEY=value line each, every key
# present (empty when unset), so a missing value cannot pass for a right one.
print "Content-Type: text/plain\n\n";
print "app=cgi\n";
print "$_=", $ENV{$_} // '', "\n"
    for qw(REMOTE_USER AUTH_TYPE AUTHCACHE_CACHED_CRED AUTHCACHE_SOURCE
           AUTHCACHE_USER AUTHCACHE_DOMAIN REQUEST_URI);

#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# Prints the AUTHCACHE_* variables a CGI application sees.
print "Content-Type: text/plain\n\n";
print "$_=$ENV{$_}\n" for sort grep { /^(AUTHCACHE_|REMOTE_USER|AUTH_TYPE)/ } keys %ENV;

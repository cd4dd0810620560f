#!/usr/bin/perl
# Prints the AUTHCACHE_* variables a CGI application sees.
print "Content-Type: text/plain\n\n";
print "$_=$ENV{$_}\n" for sort grep { /^(AUTHCACHE_|REMOTE_USER|AUTH_TYPE)/ } keys %ENV;

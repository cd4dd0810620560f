#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# NTLM inside SPNEGO (AuthType Negotiate, no Kerberos ticket) in front of
# a real Active Directory domain controller (Samba, build/samba-dc):
# curl --negotiate and python3-gssapi with gss-ntlmssp, verified by
# winbind, the mechListMIC keyed with the session key the domain
# returned, the identity cached on the connection, and the DC's own count
# of logons.
#
# Runs as root under build/test (t/lib/AuthCacheDomain.pm).
use strict;
use warnings FATAL => 'all';
use Test::More;
use FindBin ();
use JSON::PP ();
use lib "$FindBin::Bin/../lib";
use AuthCacheDomain;

my $top = $ENV{AUTHCACHE_TOP};
dc_user('dana', 'D4na-Domain!', 'Web Users');

my $loc = sub {
    my ($path, @lines) = @_;
    return ("<Location /$path>", 'AuthType Negotiate', 'AuthNTLMProvider winbind',
            'AuthNTLMDomain EXAMPLE', @lines, 'Require valid-user',
            'Header always set X-Cached "expr=%{env:AUTHCACHE_CACHED_CRED}"',
            'Header always set X-Source "expr=%{env:AUTHCACHE_SOURCE}"',
            'Header always set X-User "expr=%{REMOTE_USER}"',
            'Header always set X-Groups "expr=%{env:AUTHCACHE_GROUPS}"',
            '</Location>');
};
my ($dir, $base, $counters) = domain_httpd([qw(neg neg-nocache)], $loc->('neg'),
    $loc->('neg-nocache', 'DisableNTLMCredentialCaching On'));
sub counters { $counters->() }

# the client: gss-ntlmssp's users file, an empty ticket cache, no realm
sub client_env {
    my ($pass) = @_;
    open my $f, '>', "$dir/client-users" or die; print $f "EXAMPLE:dana:$pass\n"; close $f;
    return (NTLM_USER_FILE => "$dir/client-users", KRB5CCNAME => "FILE:$dir/no-ccache",
            KRB5_CONFIG => '/dev/null');
}
# curl --negotiate over one connection: "code|cached|user|source|groups" per URL
sub neg {
    my ($pass, @paths) = @_;
    local %ENV = (%ENV, client_env($pass));
    my @cmd = ('curl', '-s', '--negotiate', '-u', ':', map { ('-o', '/dev/null', '-w',
        '%{http_code}|%header{X-Cached}|%header{X-User}|%header{X-Source}|%header{X-Groups}\n',
        "$base/$_/") } @paths);
    open my $p, '-|', @cmd or die;
    my @out = map { chomp; $_ } <$p>;
    close $p;
    return @out;
}
sub spnego_client {
    my ($pass, @args) = @_;
    local %ENV = (%ENV, client_env($pass));
    return map { JSON::PP::decode_json($_) } grep { /^\{/ }
        `/usr/bin/python3 $top/t/bin/spnego-client @args`;
}

# --- curl --negotiate without a ticket: NTLM inside SPNEGO, by winbind
my ($c0, $k0) = (authcount(), counters());
my @r = neg('D4na-Domain!', 'neg', 'neg');
like($r[0], qr/^200\|0\|EXAMPLE\\dana\|negotiate-ntlm\|/, 'curl --negotiate + gss-ntlmssp: a domain user logs on through winbind');
like($r[1], qr/^200\|1\|EXAMPLE\\dana\|negotiate-ntlm\|/, '  the next request from the connection cache');
like($r[1], qr/EXAMPLE\\Web Users/, '  with the groups the domain reported');
is(authcount() - $c0, 1, '  one logon at the DC for two requests');
is(counters()->{negotiate_logons} - $k0->{negotiate_logons}, 0, '  GSSAPI never asked');

my $c = authcount();
@r = neg('D4na-Domain!', ('neg') x 50);
is(scalar(grep { /^200\|/ } @r), 50, '50 requests on one connection');
is(scalar(grep { /^200\|1\|/ } @r), 49, '  49 from the cached credential');
is(authcount() - $c, 1, '  one logon at the DC');

$c = authcount();
@r = neg('D4na-Domain!', ('neg-nocache') x 3);
is(scalar(grep { /^200\|0\|/ } @r), 3, 'DisableNTLMCredentialCaching: every request logs on');
is(authcount() - $c, 3, '  three logons at the DC');

like((neg('wrong-password', 'neg'))[0], qr/^401\|/, 'a wrong password: refused by the domain');

# --- the mechListMIC keyed with winbind's session key, both ways
my @j = spnego_client('D4na-Domain!', "$base/neg/", 2);
is($j[0]{status}, 200, 'python3-gssapi: logged on through winbind');
ok($j[0]{mutual}, "  MIT's SPNEGO accepted the server's mechListMIC (winbind's session key)");
is("$j[1]{status} $j[1]{cached} $j[1]{source}", '200 1 negotiate-ntlm', '  then from the cache');
$k0 = counters();
@j = spnego_client('D4na-Domain!', "$base/neg/", 1, '--corrupt-mic');
is($j[0]{status}, 401, 'one bit of the mechListMIC flipped: refused');
is(counters()->{negotiate_ntlm_refused_mic} - $k0->{negotiate_ntlm_refused_mic}, 1, '  by the mechListMIC check');

done_testing();

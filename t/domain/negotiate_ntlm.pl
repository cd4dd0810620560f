#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# NTLM inside SPNEGO (AuthType Negotiate, no Kerberos ticket) in front of
# a real Active Directory domain controller (Samba, build/samba-dc):
# curl --negotiate and python3-gssapi with gss-ntlmssp, verified by
# winbind, the mechListMIC keyed with the session key the domain
# returned, the identity cached on the connection, and the DC's own count
# of logons.
#
# Runs as root (it drives the DC); httpd's children run as nobody. Needs
# AUTHCACHE_DC_DIR from `build/samba-dc start`.
use strict;
use warnings FATAL => 'all';
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();

my $top = $ENV{AUTHCACHE_TOP} or die "AUTHCACHE_TOP not set";
my $dc = $ENV{AUTHCACHE_DC_DIR} or die "AUTHCACHE_DC_DIR not set: start build/samba-dc";
my $samba = "$top/build/samba-dc";
my $httpd = $ENV{AUTHCACHE_HTTPD} // '/usr/sbin/apache2';
my $moddir = $ENV{AUTHCACHE_MODDIR} // '/usr/lib/apache2/modules';

sub dc_user { system($samba, 'user', $dc, @_) == 0 or die "samba-dc user @_" }
sub authcount { my $n = `$samba authcount $dc`; chomp $n; $n =~ /^\d+$/ or die "authcount: $n"; $n }

dc_user('dana', 'D4na-Domain!', 'Web Users');

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;
my $port = do { my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0); my $p = $s->sockport; close $s; $p };
my $base = "http://localhost:$port";
mkdir "$dir/htdocs";
for my $d (qw(neg neg-nocache)) {
    mkdir "$dir/htdocs/$d";
    open my $f, '>', "$dir/htdocs/$d/index.html" or die; print $f "$d\n"; close $f;
}
chmod 0755, "$dir/htdocs", glob("$dir/htdocs/*");
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
open my $fh, '>', "$dir/httpd.conf" or die;
print $fh join "\n",
    (map { "LoadModule ${_}_module $moddir/mod_$_.so" }
         qw(mpm_event authn_core authz_core authz_user socache_shmcb headers dir)),
    "LoadModule authcache_module $top/mod_authcache/.libs/mod_authcache.so",
    'User nobody', 'Group nogroup', 'ServerName localhost',
    "ServerRoot $dir", "PidFile $dir/httpd.pid", "ErrorLog $dir/error_log",
    "DefaultRuntimeDir $dir", "Listen 127.0.0.1:$port", "DocumentRoot $dir/htdocs",
    'LogLevel info authcache:debug', 'KeepAlive On', 'MaxKeepAliveRequests 0',
    'DirectoryIndex index.html',
    $loc->('neg'),
    $loc->('neg-nocache', 'DisableNTLMCredentialCaching On'),
    '<Location /authcache-status>', 'SetHandler authcache-status', 'Require all granted', '</Location>', '';
close $fh;
sub httpd { system($httpd, '-f', "$dir/httpd.conf", '-k', shift) }
httpd('start') == 0 or die 'httpd start';
END { httpd('stop') if $dir && -e "$dir/httpd.pid" }
my $ua = LWP::UserAgent->new(timeout => 10);
for (1 .. 50) { last if $ua->get("$base/authcache-status?json")->is_success; select undef, undef, undef, 0.1 }
sub counters { JSON::PP::decode_json($ua->get("$base/authcache-status?json")->content) }

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

#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# mod_authcache in front of a real Active Directory domain controller
# (Samba, provisioned on loopback by build/samba-dc): NTLM and Basic logons
# through winbind, groups from the cached token, refusals, a password
# change, the DC going away and coming back, and the domain's own count of
# authentications while the caches work.
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
use MIME::Base64 qw(encode_base64);

my $top = $ENV{AUTHCACHE_TOP} or die "AUTHCACHE_TOP not set";
my $dc = $ENV{AUTHCACHE_DC_DIR} or die "AUTHCACHE_DC_DIR not set: start build/samba-dc";
my $samba = "$top/build/samba-dc";
my $httpd = $ENV{AUTHCACHE_HTTPD} // '/usr/sbin/apache2';
my $moddir = $ENV{AUTHCACHE_MODDIR} // '/usr/lib/apache2/modules';

sub dc { system($samba, @_, $dc) == 0 or die "samba-dc @_ failed" }
sub dc_user { system($samba, 'user', $dc, @_) == 0 or die "samba-dc user @_" }
sub authcount { my $n = `$samba authcount $dc`; chomp $n; $n =~ /^\d+$/ or die "authcount: $n"; $n }

# --- the domain's users
dc_user('alice', 'Al1ce-Domain!', 'Web Users');
dc_user('bob', 'B0b-Domain!');
dc_user('carol', 'C4rol-Domain!');
system($samba, 'disable', $dc, 'carol') == 0 or die;
dc_user("u$_", "U$_-Domain!x") for 0 .. 9;

# --- an httpd of our own, as root with children as nobody
my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;
my $port = do { my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0); my $p = $s->sockport; close $s; $p };
my $base = "http://127.0.0.1:$port";
mkdir "$dir/htdocs";
for my $d (qw(ntlm ntlm-nocache basic group ntlm-group gr-parent gr-parent-any
              gr-parent-plain gr-child gr-child-any gr-child-plain wb-group)) {
    mkdir "$dir/htdocs/$d";
    open my $f, '>', "$dir/htdocs/$d/index.html" or die; print $f "$d\n"; close $f;
}
chmod 0755, "$dir/htdocs", glob("$dir/htdocs/*");
my $loc = sub {
    my ($path, @lines) = @_;
    return ("<Location /$path>", @lines, 'Require valid-user',
            'Header always set X-Cached "expr=%{env:AUTHCACHE_CACHED_CRED}"',
            'Header always set X-User "expr=%{REMOTE_USER}"',
            'Header always set X-Groups "expr=%{env:AUTHCACHE_GROUPS}"',
            '</Location>');
};
# alice in a file as well, with the domain's password: a logon of another
# authority, which reports no groups
system('htpasswd', '-b', '-B', '-C', '4', '-c', "$dir/users-file", 'alice', 'Al1ce-Domain!') == 0
    or die 'htpasswd failed';
chmod 0644, "$dir/users-file";
my @file = ('AuthType Basic', 'AuthName domain', 'AuthBasicProvider authcache',
            'AuthCacheProvider file', "AuthUserFile $dir/users-file");
my @plain = ('AuthType Basic', 'AuthName domain', 'AuthBasicProvider file',
             "AuthUserFile $dir/users-file");
my @group = ('Require authcache-group "EXAMPLE\\Web Users"', 'AuthzSendForbiddenOnFailure On');
my @ntlm = ('AuthType NTLM', 'AuthNTLMProvider winbind', 'AuthNTLMDomain EXAMPLE');
my @basic = ('AuthType Basic', 'AuthName domain', 'AuthBasicProvider authcache',
             'AuthCacheProvider winbind', 'AuthCacheDefaultDomain EXAMPLE',
             'AuthCacheBasicTTL 6');
open my $fh, '>', "$dir/httpd.conf" or die;
print $fh join "\n",
    (map { "LoadModule ${_}_module $moddir/mod_$_.so" }
         qw(mpm_event authn_core authn_file authz_core authz_user auth_basic
            socache_shmcb headers dir)),
    "LoadModule authcache_module $top/mod_authcache/.libs/mod_authcache.so",
    'User nobody', 'Group nogroup', 'ServerName localhost',
    "ServerRoot $dir", "PidFile $dir/httpd.pid", "ErrorLog $dir/error_log",
    "DefaultRuntimeDir $dir", "Listen 127.0.0.1:$port", "DocumentRoot $dir/htdocs",
    'LogLevel info', 'KeepAlive On', 'MaxKeepAliveRequests 0',
    'DirectoryIndex index.html',
    $loc->('ntlm', @ntlm),
    $loc->('ntlm-nocache', @ntlm, 'DisableNTLMCredentialCaching On'),
    $loc->('basic', @basic),
    $loc->('group', @basic), '<Location /group>', 'Require authcache-group "EXAMPLE\\Web Users"', 'AuthzSendForbiddenOnFailure On', '</Location>',
    $loc->('ntlm-group', @ntlm), '<Location /ntlm-group>', 'Require authcache-group "EXAMPLE\\Web Users"', '</Location>',
    # an internal redirect (ErrorDocument) from a winbind logon into a
    # section of the file's: authenticated again there, by the file
    $loc->('gr-parent', @basic, 'ErrorDocument 404 /gr-child/index.html'),
    $loc->('gr-parent-any', @basic, 'ErrorDocument 404 /gr-child-any/index.html'),
    $loc->('gr-parent-plain', @basic, 'ErrorDocument 404 /gr-child-plain/index.html'),
    '<Location /gr-child>', @file, @group, '</Location>',
    '<Location /gr-child-any>', @file, 'Require valid-user', '</Location>',
    # mod_authn_file on its own: no logon of ours in the redirect at all
    '<Location /gr-child-plain>', @plain, @group, '</Location>',
    # AuthBasicProvider winbind on its own: its groups in the notes
    '<Location /wb-group>', 'AuthType Basic', 'AuthName domain', 'AuthBasicProvider winbind',
    'AuthCacheDefaultDomain EXAMPLE', @group, '</Location>',
    '<Location /authcache-status>', 'SetHandler authcache-status', 'Require all granted', '</Location>', '';
close $fh;
sub httpd { system($httpd, '-f', "$dir/httpd.conf", '-k', shift) }
httpd('start');
END { httpd('stop') if $dir && -e "$dir/httpd.pid" }
my $ua = LWP::UserAgent->new(timeout => 10);
for (1 .. 50) { last if $ua->get("$base/authcache-status?json")->is_success; select undef, undef, undef, 0.1 }

sub counters { JSON::PP::decode_json($ua->get("$base/authcache-status?json")->content) }
sub basic { my ($path, $u, $p) = @_; $ua->get("$base/$path/", Authorization => 'Basic ' . encode_base64("$u:$p", '')) }
sub curl {   # curl --ntlm / -u over one connection: "code|cached|user|groups" per URL
    my ($opts, @paths) = @_;
    my @cmd = ('curl', '-s', @$opts, map { ('-o', '/dev/null', '-w',
        '%{http_code}|%header{X-Cached}|%header{X-User}|%header{X-Groups}\n', "$base/$_/") } @paths);
    open my $p, '-|', @cmd or die;
    my @out = map { chomp; $_ } <$p>;
    close $p;
    return @out;
}

# --- NTLM through winbind
my ($c0, $k0) = (authcount(), counters());
my @r = curl(['--ntlm', '-u', 'EXAMPLE\\alice:Al1ce-Domain!'], 'ntlm', 'ntlm');
like($r[0], qr/^200\|0\|EXAMPLE\\alice\|/, 'NTLM (curl): a domain user logs on through winbind');
like($r[1], qr/^200\|1\|/, 'NTLM (curl): the next request from the connection cache');
like($r[0], qr/EXAMPLE\\Web Users/, 'NTLM: the domain reported the groups');
{
    local $ENV{OPENSSL_CONF} = "$dir/openssl.cnf";
    open my $o, '>', $ENV{OPENSSL_CONF} or die;
    print $o "openssl_conf = i\n[i]\nproviders = p\n[p]\ndefault = a\nlegacy = a\n[a]\nactivate = 1\n";
    close $o;
    my @py = `/usr/bin/python3 $top/t/bin/ntlm-client session $base/ntlm/ 'EXAMPLE\\bob' 'B0b-Domain!' 2`;
    my @j = map { JSON::PP::decode_json($_) } grep { /^\{/ } @py;
    is_deeply([map { "$_->{status} $_->{cached} $_->{user}" } @j],
              ['200 0 EXAMPLE\\bob', '200 1 EXAMPLE\\bob'],
              'NTLM (requests-ntlm): bob logs on, then from the cache');
}

# --- Basic through winbind, both name forms
like((curl(['-u', 'EXAMPLE\\alice:Al1ce-Domain!'], 'basic'))[0], qr/^200\|0\|EXAMPLE\\alice/, 'Basic: EXAMPLE\\alice');
like((curl(['-u', 'alice@example.test:Al1ce-Domain!'], 'basic'))[0], qr/^200\|0\|alice\@example.test/, 'Basic: alice@example.test');
like((curl(['-u', 'alice:Al1ce-Domain!'], 'basic', 'basic'))[1], qr/^200\|1\|/, 'Basic: plain name with AuthCacheDefaultDomain, then cached');

# --- groups from the cached token, no domain traffic
my $c = authcount();
@r = curl(['-u', 'alice:Al1ce-Domain!'], 'group', 'group');
like($r[0], qr/^200\|/, 'Require authcache-group: a member gets in');
like($r[1], qr/^200\|1\|/, '  and again from the cached token');
@r = curl(['-u', 'bob:B0b-Domain!'], 'group');
like($r[0], qr/^403\|/, 'Require authcache-group: a non-member is refused (403)');
@r = curl(['--ntlm', '-u', 'EXAMPLE\\alice:Al1ce-Domain!'], 'ntlm-group', 'ntlm-group');
like($r[1], qr/^200\|1\|/, 'NTLM + Require authcache-group from the cached credential');
@r = curl(['-u', 'alice:Al1ce-Domain!'], 'group', 'group', 'group');
is(authcount() - $c, 3, 'domain logons in the group checks: only the first per cache');

# --- groups answer for their own logon only: the winbind logon's groups do
# not reach a section that authenticated the request again by a file (which
# reports none), ours or mod_authn_file. The same redirect into Require
# valid-user shows the path works; only the Require line differs.
# refused: the ErrorDocument's request failed (httpd says "Additionally")
# in authorization, after alice's logon (mod_authz_core's AH01631)
my $refused = sub {
    my ($res, $uri) = @_;
    my $why = `grep -c 'user alice: authorization failure for "$uri"' $dir/error_log`;
    return $res->code . ' ' . ($res->content =~ /Additionally, a 404/ && $why > 0 ? 'refused' : 'served');
};
my $get = sub { $ua->get("$base/$_[0]", Authorization => 'Basic ' . encode_base64("$_[1]", '')) };
my $alice = 'alice:Al1ce-Domain!';
like($get->('gr-parent/', $alice)->header('X-Groups'), qr/EXAMPLE\\Web Users/,
     'the winbind section lets alice in, with her groups');
like($get->('gr-parent-any/missing', $alice)->content, qr/^gr-child-any$/m,
     'internal redirect into the file\'s section: served after its own logon');
is($get->('gr-child/', $alice)->code, 403, 'the file\'s section refuses alice the group (a file has none)');
my $rr = $get->('gr-parent/missing', $alice);
is($refused->($rr, '/gr-child/index.html'), '404 refused',
   'internal redirect from a winbind logon with groups: the file\'s section (ours) still refuses the group');
is($get->('gr-child-plain/', $alice)->code, 403, 'mod_authn_file\'s section: alice logs on, the group is refused');
$rr = $get->('gr-parent-plain/missing', $alice);
is($refused->($rr, '/gr-child-plain/index.html'), '404 refused',
   '  and so after a redirect from the winbind logon');
# AuthBasicProvider winbind directly: its groups reach Require authcache-group
is($get->('wb-group/', $alice)->code, 200, 'AuthBasicProvider winbind: a member gets in');
is($get->('wb-group/', 'bob:B0b-Domain!')->code, 403, 'AuthBasicProvider winbind: a non-member gets 403');

# --- refusals
like((curl(['-u', 'carol:C4rol-Domain!'], 'basic'))[0], qr/^401\|/, 'a disabled account is refused (Basic)');
like((curl(['--ntlm', '-u', 'EXAMPLE\\carol:C4rol-Domain!'], 'ntlm'))[0], qr/^401\|/, 'a disabled account is refused (NTLM)');
like((curl(['-u', 'alice:wrong'], 'basic'))[0], qr/^401\|/, 'a wrong password is refused (Basic)');
like((curl(['--ntlm', '-u', 'EXAMPLE\\alice:wrong'], 'ntlm'))[0], qr/^401\|/, 'a wrong password is refused (NTLM)');

# --- password change on the DC
basic('basic', 'bob', 'B0b-Domain!');
is(basic('basic', 'bob', 'B0b-Domain!')->header('X-Cached'), '1', 'bob cached with the old password');
system($samba, 'setpassword', $dc, 'bob', 'B0b-Changed!9') == 0 or die;
my $res = basic('basic', 'bob', 'B0b-Changed!9');
is($res->code, 200, 'the new password works immediately');
is($res->header('X-Cached'), '0', '  (the DC was asked)');
is(basic('basic', 'bob', 'B0b-Domain!')->code, 401, 'the old password is refused once the DC has been asked');

# --- measured offload: the DC's own count of authentications
$c = authcount(); my $k = counters();
@r = curl(['--ntlm', '-u', 'EXAMPLE\\alice:Al1ce-Domain!'], ('ntlm') x 200);
is(scalar(grep { /^200\|/ } @r), 200, 'NTLM: 200 requests on one keep-alive connection');
my $dc_ntlm_cached = authcount() - $c;
is($dc_ntlm_cached, 1, 'NTLM cached: exactly 1 DC validation for 200 requests');
is(counters()->{ntlm_logons} - $k->{ntlm_logons}, $dc_ntlm_cached, '  and the module counted the same');
$c = authcount(); $k = counters();
@r = curl(['--ntlm', '-u', 'EXAMPLE\\alice:Al1ce-Domain!'], ('ntlm-nocache') x 200);
is(scalar(grep { /^200\|/ } @r), 200, 'NTLM DisableNTLMCredentialCaching: 200 requests succeed');
my $dc_ntlm_nocache = authcount() - $c;
is($dc_ntlm_nocache, 200, 'NTLM without caching: 200 DC validations');
is(counters()->{ntlm_logons} - $k->{ntlm_logons}, $dc_ntlm_nocache, '  and the module counted the same');

sleep 7;   # past AuthCacheBasicTTL 6: start from an empty Basic cache
$c = authcount(); $k = counters();
my $ok = 0;
$ok += grep { /^200\|/ } curl(['-u', "u$_:U$_-Domain!x"], ('basic') x 100) for 0 .. 9;
is($ok, 1000, 'Basic: 10 users x 100 requests succeed');
my $dc_basic = authcount() - $c;
is($dc_basic, 10, 'Basic within the TTL: 10 DC logons for 1000 requests');
is(counters()->{backend_calls} - $k->{backend_calls}, $dc_basic, '  and the module counted the same');
sleep 7;
$c = authcount();
$ok = 0;
$ok += grep { /^200\|/ } curl(['-u', "u$_:U$_-Domain!x"], 'basic') for 0 .. 9;
is(authcount() - $c, 10, 'after the TTL: 1 more DC logon each');

# --- the DC goes away and comes back
basic('basic', 'bob', 'B0b-Changed!9');    # a fresh token (TTL 6 s)
dc('stop');
@r = curl(['-u', 'bob:B0b-Changed!9'], 'basic');
like($r[0], qr/^200\|1\|/, 'DC down: a cached Basic token still works');
@r = curl(['-u', 'u0:wrong-but-new'], 'basic');
like($r[0], qr/^500\|/, 'DC down: a logon that needs the DC is a clean 500');
@r = curl(['--ntlm', '-u', 'EXAMPLE\\alice:Al1ce-Domain!'], 'ntlm');
like($r[0], qr/^500\|/, 'DC down: an NTLM handshake is a clean 500');
ok(`grep -c 'winbind is not available' $dir/error_log` > 0, 'DC down: the log names the problem and the fix');
dc('start');
@r = curl(['--ntlm', '-u', 'EXAMPLE\\alice:Al1ce-Domain!'], 'ntlm');
like($r[0], qr/^200\|/, 'DC back: logons work again without an httpd restart');

diag "DC authentications: NTLM 200 requests cached $dc_ntlm_cached, uncached $dc_ntlm_nocache; Basic 10x100 $dc_basic";
done_testing();

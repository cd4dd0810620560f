# SPDX-License-Identifier: Apache-2.0
# mod_authcache configured only in .htaccess files (issue 10): a server
# whose main configuration has none of the module's directives, only
# AllowOverride AuthConfig. Basic serves the second login from the cache,
# Digest logs on and verifies later requests from the context, NTLM
# hands its credential to the next request on the connection; and a
# .htaccess below that sets only the credential file is a scope of its
# own.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use AuthCacheTest;

plan tests => 18;

my $dir = tempdir(CLEANUP => 1);
my $root = "$dir/srv";
my $port = free_port();
side_conf($root, "Listen 127.0.0.1:$port", 'DirectoryIndex index.html',
    "<Directory $root/htdocs>", 'AllowOverride AuthConfig',
    'Header always set X-Cached "expr=%{env:AUTHCACHE_CACHED_CRED}"',
    'Header always set X-User "expr=%{REMOTE_USER}"', '</Directory>');

# credential files: mallory only in A's, carol in both
my $realm = 'ht@test';
sub htpasswd {
    my ($file, %u) = @_;
    my @c = ('-c');
    for (sort keys %u) {
        system('htpasswd', '-b', '-B', '-C', '4', @c, $file, $_, $u{$_}) == 0 or die;
        @c = ();
    }
}
htpasswd("$dir/basic-a", mallory => 'Evil-a', carol => 'Carol-both');
htpasswd("$dir/basic-b", carol => 'Carol-both');
my $da = write_digest_file('ht-digest-a', $realm, mallory => 'Evil-a', carol => 'Carol-both');
my $db = write_digest_file('ht-digest-b', $realm, carol => 'Carol-both');
my $na = write_ntlm_file('ht-ntlm-a', mallory => 'Evil-a', carol => 'Carol-both');
my $nb = write_ntlm_file('ht-ntlm-b', carol => 'Carol-both');

my %htaccess = (
    b => ['AuthType Basic', 'AuthName ht', 'AuthBasicProvider authcache',
          'AuthCacheProvider file', "AuthUserFile $dir/basic-a", 'Require valid-user'],
    'b/sub' => ["AuthUserFile $dir/basic-b"],
    d => ['AuthType Digest', "AuthName $realm", "AuthCacheDigestUserFile $da",
          'AuthCacheDigestAlgorithms SHA-256', 'Require valid-user'],
    'd/sub' => ["AuthCacheDigestUserFile $db"],
    n => ['AuthType NTLM', "AuthNTLMUserFile $na", 'AuthNTLMDomain EXAMPLE',
          'Require valid-user'],
    'n/sub' => ["AuthNTLMUserFile $nb"],
);
for my $d (sort keys %htaccess) {
    mkdir "$root/htdocs/$d" or die "mkdir: $!";
    open my $fh, '>', "$root/htdocs/$d/.htaccess" or die $!;
    print $fh map { "$_\n" } @{ $htaccess{$d} };
    close $fh;
    side_pages("$root/htdocs", $d);
}

my ($ok, $out) = side_ctl($root, 'start');
ok($ok, 'a server with the module only in .htaccess files starts') or diag $out;
my $base = "http://127.0.0.1:$port";

# Basic
my $ua = LWP::UserAgent->new(keep_alive => 1, timeout => 10);
sub basic { $ua->get("$base$_[0]", Authorization => 'Basic ' . encode_base64("$_[1]:$_[2]", '')) }
my @r = map { basic('/b/', 'mallory', 'Evil-a') } 1 .. 2;
is(join(' ', map { $_->code } @r), '200 200', 'Basic: two logins succeed');
is($r[1]->header('X-Cached'), '1', 'Basic: the second is served from the cache');
is(basic('/b/sub/', 'mallory', 'Evil-a')->code, 401,
   "Basic: a .htaccess below with another file refuses A's token");

# Digest
sub digest_at {
    my ($path, $c, $nc, $user) = @_;
    return $ua->get("$base$path", Authorization => digest_authorization(
        user => $user // 'mallory', password => 'Evil-a', challenge => $c,
        uri => $path, nc => $nc));
}
my $res = $ua->get("$base/d/");
my ($c) = grep { $_->{algorithm} eq 'SHA-256' } digest_challenges($res);
is($res->code, 401, 'Digest: a request without credentials gets 401');
ok($c, '  with a SHA-256 challenge') or $c = { realm => $realm, nonce => 'x', opaque => 'x' };
$res = digest_at('/d/', $c, 1);
is($res->code, 200, 'Digest: the logon succeeds');
is($res->header('X-User'), 'mallory', '  as mallory');
$res = digest_at('/d/', $c, 2);
is($res->code, 200, 'Digest: a later request succeeds');
is($res->header('X-Cached'), '1', '  verified from the context');
is(digest_at('/d/sub/', $c, 3)->code, 401,
   "Digest: a .htaccess below with another file refuses A's opaque");

# NTLM
@r = curl_ntlm(['-u', 'carol:Carol-both'], "$base/n/", "$base/n/");
is(join(' ', map { $_->{code} } @r), '200 200', 'NTLM: the handshake and the next request succeed');
is($r[0]{user}, 'EXAMPLE\\carol', '  as EXAMPLE\\carol');
is($r[1]{cached}, '1', 'NTLM: the next request is served from the connection');
is($r[1]{connects}, '0', '  on the same connection');
@r = ntlm_steps("$base/", [
    { do => 'logon', path => '/n/', user => 'EXAMPLE\\mallory', password => 'Evil-a' },
    { do => 'plain', path => '/n/sub/' }]);
is($r[0]{status}, 200, 'NTLM: mallory logs on');
is($r[1]{status}, 401, "NTLM: a .htaccess below with another file does not take A's credential");

ok((side_ctl($root, 'stop'))[0], 'server stopped');

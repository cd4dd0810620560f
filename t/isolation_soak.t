# SPDX-License-Identifier: Apache-2.0
# Identity-isolation soak (issue 10): many users over NTLM, Basic and
# Digest on many keep-alive connections at once, user switches on a
# connection, wrong passwords and other scopes' credentials mixed in, and
# two scopes per scheme (the second a nested section that sets only its
# credential file). Every response's user (X-User) is checked by
# t/bin/isolation-soak: no wrong identity, no grant for a wrong password
# or another scope's credential. About 5 s; AUTHCACHE_SOAK_SECONDS=N runs
# longer, AUTHCACHE_SOAK_SEED=N repeats a run.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use JSON::PP ();
use lib 't/lib';
use AuthCacheTest;

plan tests => 11;

my $seconds = $ENV{AUTHCACHE_SOAK_SECONDS} || 5;
my $seed = $ENV{AUTHCACHE_SOAK_SEED} || time % 100000;
my ($threads, $per_thread) = (4, 4);

# users u00-u11 in scope 1 (P1-uNN), u06-u17 in scope 2 (P2-uNN)
my @users = map { sprintf 'u%02d', $_ } 0 .. 17;
my %scope = (1 => [@users[0 .. 11]], 2 => [@users[6 .. 17]]);
my %file;
for my $s (1, 2) {
    my %pw = map { $_ => "P$s-$_" } @{ $scope{$s} };
    $file{"b$s"} = write_users("soak-b$s", %pw);
    $file{"n$s"} = write_ntlm_file("soak-n$s", %pw);
    $file{"d$s"} = write_digest_file("soak-d$s", 'soak@test', %pw);
}

my $dir = tempdir(CLEANUP => 1);
my $root = "$dir/srv";
my $port = free_port();
side_conf($root, "Listen 127.0.0.1:$port", 'KeepAliveTimeout 30',
    'MaxKeepAliveRequests 0',
    '<IfModule mpm_prefork_module>', 'StartServers 20', 'MinSpareServers 10',
    'MaxSpareServers 40', 'ServerLimit 40', 'MaxRequestWorkers 40', '</IfModule>',
    '<Location /s>', 'Header always set X-User "expr=%{REMOTE_USER}"',
    'Header always set X-Cached "expr=%{env:AUTHCACHE_CACHED_CRED}"', '</Location>',
    '<Location /s/b1>', 'AuthType Basic', 'AuthName soak',
    'AuthBasicProvider authcache', 'AuthCacheProvider file',
    "AuthUserFile $file{b1}", 'Require valid-user', '</Location>',
    '<Location /s/b1/b2>', "AuthUserFile $file{b2}", '</Location>',
    '<Location /s/n1>', 'AuthType NTLM', "AuthNTLMUserFile $file{n1}",
    'AuthNTLMDomain EXAMPLE', 'Require valid-user', '</Location>',
    '<Location /s/n1/n2>', "AuthNTLMUserFile $file{n2}", '</Location>',
    '<Location /s/d1>', 'AuthType Digest', 'AuthName soak@test',
    "AuthCacheDigestUserFile $file{d1}", 'AuthCacheDigestAlgorithms SHA-256',
    'Require valid-user', '</Location>',
    '<Location /s/d1/d2>', "AuthCacheDigestUserFile $file{d2}", '</Location>');
side_pages("$root/htdocs/s", qw(b1 b1/b2 n1 n1/n2 d1 d1/d2));
my ($ok, $out) = side_ctl($root, 'start');
ok($ok, 'soak server started') or diag $out;

my $top = Apache::Test::vars('top_dir');
my $json = do {
    local $ENV{OPENSSL_CONF} = openssl_legacy_conf();
    open my $fh, '-|', '/usr/bin/python3', "$top/t/bin/isolation-soak",
        "http://127.0.0.1:$port", $seconds, $seed, $threads, $per_thread
        or die "isolation-soak: $!";
    local $/;
    <$fh>;
};
my $r = eval { JSON::PP::decode_json($json) }
    || { schemes => {}, violations => {}, examples => ["no result: $json"] };

diag sprintf '%s s, seed %s, %s connections, %s HTTP requests',
    map { $r->{$_} // '?' } qw(seconds seed connections requests);
for my $scheme (qw(ntlm basic digest)) {
    my $c = $r->{schemes}{$scheme} // {};
    diag sprintf '%-6s %6d checked: %6d granted (%d from the cache), %d refused, '
        . '%d logons, %d violations', $scheme,
        map { $c->{$_} // 0 } qw(requests granted cache_hits refused logons violations);
    ok(($c->{granted} // 0) && $c->{cache_hits} && $c->{refused},
       "$scheme: exercised (grants, cache hits and refusals)");
}
diag "violation: $_" for @{ $r->{examples} };
for my $v (qw(wrong_identity wrong_password_grants cross_scope_grants
              false_refusals errors)) {
    is($r->{violations}{$v}, 0, "$v: 0");
}
unlike(slurp("$root/error_log"), qr/AH00052|Segmentation|exit signal/,
       'no child process crashed');
ok((side_ctl($root, 'stop'))[0], 'soak server stopped');

# SPDX-License-Identifier: Apache-2.0
# Purges by POST to the status handler: one user's cached credentials on
# every scheme (Basic tokens, Digest contexts, NTLM credentials of open
# connections) or everything, refused from the cache at once while other
# users are still served; cross-site posts refused; tools/authcache-purge.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use HTTP::Request::Common qw(POST);
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use AuthCacheTest;

plan tests => 56;

my $realm = 'digest@test';
write_users('users-a', alice => 'Al1ce-basic', bob => 'B0b-basic');
write_users('admin-users', admin => 'Adm1n-pass1');
write_ntlm_users(alice => 'Al1ce-ntlm', bob => 'B0b-ntlm');
write_digest_users($realm, alice => 'Al1ce-digest', bob => 'B0b-digest');
my $hp = Apache::TestRequest::hostport();
my $base = "http://$hp";
my $admin = 'Basic ' . encode_base64('admin:Adm1n-pass1', '');
my $ua = LWP::UserAgent->new(keep_alive => 0);
my (@r, $d, $res);

# POST form to the admin handler; headers: Authorization and the custom
# header unless overridden (undef leaves one out)
sub purge_post {
    my ($form, %h) = @_;
    %h = (Authorization => $admin, 'X-Authcache-Purge' => 1, %h);
    delete @h{grep { !defined $h{$_} } keys %h};
    return $ua->request(POST("$base/authcache-admin", $form, %h));
}

# --- the handler: behind its Require, and no cross-site posts

$d = counter_delta(sub {
    $res = purge_post([user => 'alice'], Authorization => undef);
});
is($res->code, 401, "a purge without the admin's logon: 401 (the handler's Require)");
$res = purge_post([user => 'alice'], 'X-Authcache-Purge' => undef,
                  Origin => 'http://evil.example');
is($res->code, 403, 'a cross-site POST (Origin of another site) is refused');
$res = purge_post([user => 'alice'], 'X-Authcache-Purge' => undef);
is($res->code, 403, 'a POST with neither Origin nor the custom header is refused');
$res = purge_post([user => 'alice'], 'Sec-Fetch-Site' => 'cross-site');
is($res->code, 403, 'a POST a browser marks cross-site is refused');
$res = purge_post([user => 'alice'], 'X-Authcache-Purge' => undef,
                  Origin => 'http://evil.example', 'Sec-Fetch-Site' => 'same-origin');
is($res->code, 403, '  also when only Sec-Fetch-Site claims same-origin');
$res = purge_post([]);
is($res->code, 400, 'a POST naming nobody: 400');
$d = counter_delta(sub { });
is($d->{purges_user} + $d->{purges_all}, 0, 'none of those purged');
$res = purge_post([user => 'nobody-such'], 'X-Authcache-Purge' => undef,
                  Origin => $base);
is($res->code, 200, 'a same-origin POST (a browser form on the page) purges');
is($res->content, "purged nobody-such\n", '  and says what it purged');

# --- one user, every scheme

# fills the caches: Basic tokens, Digest contexts, NTLM connections
for my $u (['alice', 'Al1ce-basic'], ['bob', 'B0b-basic']) {
    basic_get('/basic/', @$u);
    is(basic_get('/basic/', @$u)->header('X-Cached'), '1', "Basic $u->[0]: cached");
}

my %ctx;    # user => [challenge, next nc]
sub digest_get {
    my ($user, $pw) = @_;
    my $c = $ctx{$user} ||= do {
        my ($ch) = grep { $_->{algorithm} eq 'SHA-256' }
            digest_challenges(Apache::TestRequest::GET('/digest/'));
        [$ch, 1];
    };
    my $auth = digest_authorization(challenge => $c->[0], user => $user,
                                    password => $pw, uri => '/digest/',
                                    algorithm => 'SHA-256', nc => $c->[1]++);
    return Apache::TestRequest::GET('/digest/', Authorization => $auth);
}
for my $u (['alice', 'Al1ce-digest'], ['bob', 'B0b-digest']) {
    is(digest_get(@$u)->code, 200, "Digest $u->[0]: logon");
    is(digest_get(@$u)->header('X-Cached'), '1', "Digest $u->[0]: from the context");
}

# NTLM: bob's connection stays open across alice's purge (in the background)
my $top = Apache::Test::vars('top_dir');
local $ENV{OPENSSL_CONF} = openssl_legacy_conf();
open my $bob_fh, '-|', '/usr/bin/python3', "$top/t/bin/ntlm-client", 'steps',
    "$base/ntlm/", JSON::PP::encode_json([
        { do => 'logon', path => '/ntlm/', user => 'EXAMPLE\\bob', password => 'B0b-ntlm' },
        { do => 'plain', path => '/ntlm/' },
        { do => 'sleep', seconds => 4 },
        { do => 'plain', path => '/ntlm/' } ])
    or die "ntlm-client: $!";

my $purge_alice = { do => 'post', path => '/authcache-admin',
                    body => 'user=example%5CALICE', auth => $admin };
$d = counter_delta(sub {
    @r = ntlm_steps("$base/ntlm/", [
        { do => 'logon', path => '/ntlm/', user => 'EXAMPLE\\alice', password => 'Al1ce-ntlm' },
        { do => 'plain', path => '/ntlm/' },
        $purge_alice,
        { do => 'plain', path => '/ntlm/' },
        { do => 'logon', path => '/ntlm/', user => 'EXAMPLE\\alice', password => 'Al1ce-ntlm' },
        { do => 'plain', path => '/ntlm/' } ]);
});
is_deeply([map { $_->{status} } @r], [200, 200, 200, 401, 200, 200],
          'NTLM alice: logged on, cached, purged (EXAMPLE\\ALICE), refused, logged on again');
is($r[1]{cached}, '1', '  served from the connection before the purge');
is($r[3]{www_authenticate}, 'NTLM', '  after it: 401 WWW-Authenticate: NTLM at once');
is($r[5]{cached}, '1', '  the new logon is cached again');
is($d->{purges_user}, 1, 'one user purge counted');
cmp_ok($d->{purged_refused}, '>=', 1, 'the refused credential counted');
my @bob = map { JSON::PP::decode_json($_) } grep { /^\{/ } <$bob_fh>;
close $bob_fh;
is_deeply([map { $_->{status} } @bob], [200, 200, 200],
          "NTLM bob: his connection's credential serves across alice's purge");
is($bob[2]{cached}, '1', '  from the cache');

# Basic and Digest after alice's purge
$d = counter_delta(sub { $res = basic_get('/basic/', 'alice', 'Al1ce-basic') });
is($res->code, 200, 'Basic alice after her purge: granted');
is($res->header('X-Cached'), '0', '  not from the cache');
is($d->{backend_calls}, 1, '  the backend was asked');
is(basic_get('/basic/', 'alice', 'Al1ce-basic')->header('X-Cached'), '1',
   '  and her new token is cached');
is(basic_get('/basic/', 'bob', 'B0b-basic')->header('X-Cached'), '1',
   'Basic bob: still cached');
$res = digest_get('alice', 'Al1ce-digest');
is($res->code, 401, 'Digest alice after her purge: her context is refused');
my @ch = digest_challenges($res);
ok(@ch && !grep({ ($_->{stale} // '') eq 'true' } @ch),
   '  with a new challenge (not stale: the user logs on again)');
is(digest_get('bob', 'B0b-digest')->header('X-Cached'), '1',
   'Digest bob: his context still serves');
delete $ctx{alice};
is(digest_get('alice', 'Al1ce-digest')->code, 200, 'Digest alice: a new logon works');
is(digest_get('alice', 'Al1ce-digest')->header('X-Cached'), '1', '  and is cached');

# "user" without a domain purges that user in every domain
$res = purge_post([user => 'bob']);
is($res->code, 200, 'purge of bob (no domain)');
is(basic_get('/basic/', 'bob', 'B0b-basic')->header('X-Cached'), '0',
   '  refuses his Basic token of domain EXAMPLE');
is(digest_get('bob', 'B0b-digest')->code, 401, '  and his Digest context');
is(basic_get('/basic/', 'alice', 'Al1ce-basic')->header('X-Cached'), '1',
   '  not alice');

# --- everything

basic_get('/basic/', 'bob', 'B0b-basic');
delete $ctx{bob};
digest_get('bob', 'B0b-digest');
is(digest_get('bob', 'B0b-digest')->header('X-Cached'), '1', 'Digest bob cached again');
$d = counter_delta(sub {
    @r = ntlm_steps("$base/ntlm/", [
        { do => 'logon', path => '/ntlm/', user => 'EXAMPLE\\bob', password => 'B0b-ntlm' },
        { do => 'plain', path => '/ntlm/' },
        { do => 'post', path => '/authcache-admin', body => 'all=1', auth => $admin },
        { do => 'plain', path => '/ntlm/' } ]);
});
is_deeply([map { $_->{status} } @r], [200, 200, 200, 401],
          'NTLM: a global purge refuses an open connection\'s credential');
is($r[3]{www_authenticate}, 'NTLM', '  with 401 WWW-Authenticate: NTLM');
is($d->{purges_all}, 1, 'the global purge counted');
for my $u (['alice', 'Al1ce-basic'], ['bob', 'B0b-basic']) {
    is(basic_get('/basic/', @$u)->header('X-Cached'), '0',
       "Basic $u->[0] after the global purge: the backend asked");
}
is(digest_get('alice', 'Al1ce-digest')->code, 401, 'Digest alice: refused');
is(digest_get('bob', 'B0b-digest')->code, 401, 'Digest bob: refused');
is(basic_get('/basic/', 'alice', 'Al1ce-basic')->header('X-Cached'), '1',
   'Basic tokens made after the global purge are cached');

# --- the command line: tools/authcache-purge

my $tool = "$top/tools/authcache-purge";
my $out = `$tool -u admin:Adm1n-pass1 $base/authcache-admin 'EXAMPLE\\alice' 2>&1`;
is($?, 0, 'authcache-purge: exit 0');
is($out, "purged EXAMPLE\\alice\n", '  prints what it purged');
is(basic_get('/basic/', 'alice', 'Al1ce-basic')->header('X-Cached'), '0',
   '  alice refused from the cache');
is(basic_get('/basic/', 'bob', 'B0b-basic')->header('X-Cached'), '1',
   '  bob still cached');
$out = `$tool $base/authcache-admin alice 2>&1`;
isnt($?, 0, 'authcache-purge without the admin logon: fails');
like($out, qr/HTTP 401/, '  saying the server answered 401');
$out = `$tool -u admin:Adm1n-pass1 $base/authcache-admin --all 2>&1`;
is($out, "purged all\n", 'authcache-purge --all');
is(basic_get('/basic/', 'bob', 'B0b-basic')->header('X-Cached'), '0',
   '  bob refused from the cache');

# the counters on the status page
my $c = counters();
cmp_ok($c->{purges_user}, '>=', 3, 'purges_user on the status page');
cmp_ok($c->{purges_all}, '>=', 2, 'purges_all on the status page');

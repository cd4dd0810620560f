# SPDX-License-Identifier: Apache-2.0
# Isolation of the Basic token cache (issue 10): a token verified at
# section A is a miss at section B, whatever shape makes A and B (nested
# <Location> and <Directory>, .htaccess, <Files>, <If>/<ElseIf>/<Else>,
# virtual hosts by name and by port), over a new connection and over the
# per-connection fast path. One section through several URLs, and
# deliberate sharing with AuthCacheContext, still hit. Config:
# t/conf/isolation.conf.in.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use AuthCacheTest;

# mallory's password is good only in A's file; carol has the same one in
# both, so she shows whether B asked its own backend
write_users('iso-basic-a', mallory => 'Evil-a', carol => 'Carol-both');
write_users('iso-basic-b', carol => 'Carol-both', bob => 'Bob-b');
write_users('iso-basic-dom', bob => 'Bob-dom');

my $hp = Apache::TestRequest::hostport();
my ($names, $pa, $pb) = map { vhost_port($_) } qw(iso_names iso_port_a iso_port_b);

# a place: [url, Host header or undef]
sub here { ["http://$hp$_[0]", undef] }
my @pairs = (
    ['nested <Location>, child sets AuthUserFile', here('/iso/b/loc/'), here('/iso/b/loc/sub/')],
    ['nested <Directory>, child sets AuthUserFile', here('/iso/b/dir/'), here('/iso/b/dir/sub/')],
    ['.htaccess sets AuthUserFile', here('/iso/b/ht/'), here('/iso/b/ht/sub/')],
    ['<Files> in two <Directory>s', here('/iso/b/fa/secret.txt'), here('/iso/b/fb/secret.txt')],
    ['<If> in two <Location>s', here('/iso/b/ifa/?if'), here('/iso/b/ifb/?if')],
    ['<ElseIf> in two <Location>s', here('/iso/b/ifa/?elseif'), here('/iso/b/ifb/?elseif')],
    ['<Else> in two <Location>s', here('/iso/b/ifa/'), here('/iso/b/ifb/')],
    ['virtual hosts by name', ["http://127.0.0.1:$names/iso/b/v/", 'a.iso'],
                              ["http://127.0.0.1:$names/iso/b/v/", 'b.iso']],
    ['virtual hosts by port', ["http://127.0.0.1:$pa/iso/b/v/", undef],
                              ["http://127.0.0.1:$pb/iso/b/v/", undef]],
);

plan tests => 8 * @pairs + 17;

my $fresh = LWP::UserAgent->new(keep_alive => 0, timeout => 10);
sub get {   # (ua, place, user, password): the response
    my ($ua, $at, $user, $pw) = @_;
    my ($url, $host) = @$at;
    return $ua->get($url, Authorization => 'Basic ' . encode_base64("$user:$pw", ''),
                    $host ? (Host => $host) : ());
}
sub cached { ($_[0]->header('X-Cached') // '') eq '1' ? '1' : '0' }   # 0 or absent: 0

# A hit fills the connection's fast path (the token it verified last), so
# A is asked twice before B on the same connection.
for my $p (@pairs) {
    my ($name, $a, $b) = @$p;
    my $ka = LWP::UserAgent->new(keep_alive => 1, timeout => 10);
    is(get($fresh, $b, 'mallory', 'Evil-a')->code, 401,
       "$name: A's password refused at B on a fresh start");
    my $res = get($ka, $a, 'mallory', 'Evil-a');
    is($res->code, 200, "$name: mallory logs on at A");
    is(cached(get($ka, $a, 'mallory', 'Evil-a')), '1',
       "$name: A serves her again from the cache");
    is(get($ka, $b, 'mallory', 'Evil-a')->code, 401,
       "$name: A's token refused at B on the same connection");
    is(get($fresh, $b, 'mallory', 'Evil-a')->code, 401,
       "$name: and on a new connection");
    get($ka, $a, 'carol', 'Carol-both') for 1 .. 2;
    $res = get($ka, $b, 'carol', 'Carol-both');
    is($res->code, 200, "$name: carol (in both files) gets in at B");
    is(cached($res), '0', "$name: B asked its own backend (AUTHCACHE_CACHED_CRED not 1)");
    is(cached(get($ka, $b, 'carol', 'Carol-both')), '1',
       "$name: then B serves her from its own cache");
}

# one section through several URLs still hits
my $ka = LWP::UserAgent->new(keep_alive => 1, timeout => 10);
is(cached(get($ka, here('/iso/b/app/a/'), 'carol', 'Carol-both')), '0',
   'one <Location>: the first URL asks the backend');
is(cached(get($fresh, here('/iso/b/app/b/'), 'carol', 'Carol-both')), '1',
   'one <Location>: another URL below it hits');
my $res = get($fresh, here('/iso/b/app/style.css'), 'carol', 'Carol-both');
is(cached($res), '1', 'a <Files> that sets only a header changes no scope');
is($res->header('X-Static'), 'css', '  (its header is there)');
is(cached(get($fresh, here('/iso/b/al1/'), 'carol', 'Carol-both')), '0',
   'one <Directory> through Alias al1: asks the backend');
is(cached(get($fresh, here('/iso/b/al2/'), 'carol', 'Carol-both')), '1',
   'the same <Directory> through Alias al2: hits');

# deliberate sharing: two sections with one AuthCacheContext
is(cached(get($fresh, here('/iso/b/ctx1/'), 'carol', 'Carol-both')), '0',
   'AuthCacheContext: the first section asks the backend');
is(cached(get($fresh, here('/iso/b/ctx2/'), 'carol', 'Carol-both')), '1',
   'AuthCacheContext: the other section shares the entry');

# one AuthCacheContext, other default domains: bob is EXAMPLE1\bob at
# domx, EXAMPLE2\bob at domy (same file) and domz (B's file, which does
# not know this password)
is(get($fresh, here('/iso/b/domz/'), 'bob', 'Bob-dom')->code, 401,
   'domz refuses the password on a fresh start');
$ka = LWP::UserAgent->new(keep_alive => 1, timeout => 10);
$res = get($ka, here('/iso/b/domx/'), 'bob', 'Bob-dom');
is($res->code, 200, 'bob logs on at domx');
is($res->header('X-Domain'), 'EXAMPLE1', '  as EXAMPLE1\\bob');
is(cached(get($ka, here('/iso/b/domx/'), 'bob', 'Bob-dom')), '1',
   '  then from the cache (the fast path holds his token)');
is(get($ka, here('/iso/b/domz/'), 'bob', 'Bob-dom')->code, 401,
   "EXAMPLE1\\bob's token is not served as EXAMPLE2\\bob at domz (same connection)");
is(get($fresh, here('/iso/b/domz/'), 'bob', 'Bob-dom')->code, 401,
   '  nor on a new connection');
get($ka, here('/iso/b/domx/'), 'bob', 'Bob-dom');
$res = get($ka, here('/iso/b/domy/'), 'bob', 'Bob-dom');
is($res->code, 200, 'domy (same file) lets bob in');
is(cached($res), '0', '  after asking its backend, not from the fast path');
is($res->header('X-Domain'), 'EXAMPLE2', '  as EXAMPLE2\\bob');

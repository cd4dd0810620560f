# SPDX-License-Identifier: Apache-2.0
# Digest contexts in a store too small for them (authcache:(65536), the
# minimum: 1,024 chunks, about 200 clients at 5 chunks each): the oldest
# contexts make room for new ones, and a client whose context was evicted
# is not let in on a later count; it gets stale=true and a new opaque, and
# logs on again without asking the user. A busy context that rewrites its
# replay window on every request does not push idle ones out. One user
# logging on again and again holds at most AuthCacheDigestMaxContexts
# contexts, so cannot push everyone else's out.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use JSON::PP ();
use LWP::UserAgent ();
use lib 't/lib';
use AuthCacheTest;

plan tests => 20;

my $dir = tempdir(CLEANUP => 1);
my $realm = 'small@test';
# dora, mallory, and 460 others (u1 .. u460): the store's eviction is
# seen with many users, each within AuthCacheDigestMaxContexts
write_digest_users($realm, dora => 'D0ra-digest', mallory => 'M4llory-d',
                   map { ("u$_" => "pw-$_") } 1 .. 460);
my $users = users_file('digest-users');
my $port = free_port();
side_conf("$dir/small", "Listen 127.0.0.1:$port",
    'AuthCacheSOCache authcache:(65536)',
    '<Location />', 'AuthType Digest', "AuthName \"$realm\"",
    "AuthCacheDigestUserFile $users", 'AuthCacheDigestAlgorithms SHA-256',
    'AuthCacheDigestMaxContexts 16',
    'Require valid-user',
    'Header always set X-Cached "%{AUTHCACHE_CACHED_CRED}e"', '</Location>',
    '<Location /authcache-status>', 'SetHandler authcache-status',
    'Require all granted', '</Location>');
my ($up, $log) = side_ctl("$dir/small", 'start');
my $res;
ok($up, 'side server with a 64 KiB store started') or diag $log;
END { side_ctl("$dir/small", 'stop') if $up }

my $ua = LWP::UserAgent->new(timeout => 10, keep_alive => 0);
my $base = "http://127.0.0.1:$port";
my %dora = (user => 'dora', password => 'D0ra-digest', uri => '/');
sub get { $ua->get("$base$_[0]", $_[1] ? (Authorization => $_[1]) : ()) }
sub logon {   # a new context: its challenge, and the status of nc=1
    my %who = @_ ? (user => $_[0], password => $_[1], uri => '/') : %dora;
    my ($c) = grep { $_->{algorithm} eq 'SHA-256' } digest_challenges(get('/'));
    return ($c, get('/', digest_authorization(%who, challenge => $c))->code);
}
sub u { ("u$_[0]", "pw-$_[0]") }
sub side_counters { JSON::PP::decode_json(get('/authcache-status?json')->content) }
sub status_figure {
    my ($label) = @_;
    my $html = get('/authcache-status')->content;
    return $html =~ m{<th>\Q$label\E</th><td>(\d+)</td>} ? $1 : -1;
}

my ($first, $code) = logon();
is($code, 200, 'first context: logon');
my ($busy) = logon();
is(get('/', digest_authorization(%dora, challenge => $busy, nc => 2))->header('X-Cached'),
   '1', 'a second context, used again from the store');

# 60 idle contexts, then 300 requests on the busy one: its window is
# rewritten in place, so the idle ones stay
my @idle = map { (logon(u($_)))[0] } 1 .. 60;
my $evicted = status_figure('evicted (oldest-written, to make room)');
my $ok = 0;
$ok += get('/', digest_authorization(%dora, challenge => $busy, nc => $_ + 3))->code == 200
    for 1 .. 300;
is($ok, 300, '300 cached requests on the busy context');
is(status_figure('evicted (oldest-written, to make room)'), $evicted,
   '  evicted nothing: the replay window is rewritten in place');
is(get('/', digest_authorization(user => 'u1', password => 'pw-1', uri => '/',
                                 challenge => $idle[0], nc => 2))->header('X-Cached'),
   '1', '  and the oldest idle context still answers from the store');

# one user's flood: 400 logons by mallory keep 16 contexts of hers, and
# push out nobody else's
my $victim_c = (logon(u(61)))[0];
my $victim = digest_authorization(user => 'u61', password => 'pw-61', uri => '/',
                                  challenge => $victim_c);
is(get('/', $victim)->code, 401, 'a captured nc=1 replayed at once: refused');
my $before = side_counters()->{digest_user_evictions};
my ($m_first) = grep { $_->{algorithm} eq 'SHA-256' } digest_challenges(get('/'));
my $m_capture = digest_authorization(user => 'mallory', password => 'M4llory-d',
                                     uri => '/', challenge => $m_first);
is(get('/', $m_capture)->code, 200, "mallory's first logon");
my @flood = map { (logon('mallory', 'M4llory-d'))[0] } 1 .. 399;
is(get('/', $victim)->code, 401,
   "after one user's 400 logons the capture is still refused (its window kept)");
is(get('/', digest_authorization(user => 'u61', password => 'pw-61', uri => '/',
                                 challenge => $victim_c, nc => 2))->header('X-Cached'),
   '1', "  and the victim's context still answers from the store");
is(side_counters()->{digest_user_evictions} - $before, 400 - 16,
   '  mallory\'s own oldest contexts made room: counted');
is(get('/', digest_authorization(user => 'mallory', password => 'M4llory-d', uri => '/',
                                 challenge => $flood[-1], nc => 2))->header('X-Cached'),
   '1', '  her newest context answers');
$res = get('/', digest_authorization(user => 'mallory', password => 'M4llory-d', uri => '/',
                                     challenge => $flood[0], nc => 2));
is($res->code, 401, '  her oldest is gone');
# within the roster's memory (64 dropped contexts): the captured first
# answer to a dropped context does not log on again
my ($r_first) = grep { $_->{algorithm} eq 'SHA-256' } digest_challenges(get('/'));
my $r_capture = digest_authorization(user => 'u460', password => 'pw-460',
                                     uri => '/', challenge => $r_first);
is(get('/', $r_capture)->code, 200, 'u460 logs on');
logon(u(460)) for 1 .. 20;   # 16 held: her first context is dropped
is(get('/', $r_capture)->code, 401,
   '  and the captured first answer to her dropped context does not log on again');

# 400 more contexts of 400 users: about twice what the store holds
logon(u($_)) for 61 .. 460;
cmp_ok(status_figure('evicted (oldest-written, to make room)'), '>', 0,
       '400 more contexts: the store evicted the oldest entries');
$res = get('/', digest_authorization(%dora, challenge => $first, nc => 2));
my @c = digest_challenges($res);
is($res->code, 401, 'the first context, evicted: nc=2 is not let in');
ok(@c && ($c[0]{stale} // '') eq 'true', '  stale=true, so the client retries without asking');
isnt($c[0]{opaque}, $first->{opaque}, '  with a new opaque (a new context)');
my ($again) = grep { $_->{algorithm} eq 'SHA-256' } @c;
is(get('/', digest_authorization(%dora, challenge => $again))->code, 200,
   '  on which it logs on again');

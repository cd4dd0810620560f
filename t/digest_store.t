# Digest contexts in a store too small for them (authcache:(65536), the
# minimum: 1,024 chunks, about 200 clients at 5 chunks each): the oldest
# contexts make room for new ones, and a client whose context was evicted
# is not let in on a later count; it gets stale=true and a new opaque, and
# logs on again without asking the user. A busy context that rewrites its
# replay window on every request does not push idle ones out.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use LWP::UserAgent ();
use lib 't/lib';
use AuthCacheTest;

plan tests => 11;

my $dir = tempdir(CLEANUP => 1);
my $realm = 'small@test';
write_digest_users($realm, dora => 'D0ra-digest');
my $users = users_file('digest-users');
my $port = free_port();
side_conf("$dir/small", "Listen 127.0.0.1:$port",
    'AuthCacheSOCache authcache:(65536)',
    '<Location />', 'AuthType Digest', "AuthName \"$realm\"",
    "AuthCacheDigestUserFile $users", 'AuthCacheDigestAlgorithms SHA-256',
    'Require valid-user',
    'Header always set X-Cached "%{AUTHCACHE_CACHED_CRED}e"', '</Location>',
    '<Location /authcache-status>', 'SetHandler authcache-status',
    'Require all granted', '</Location>');
my ($up, $log) = side_ctl("$dir/small", 'start');
ok($up, 'side server with a 64 KiB store started') or diag $log;
END { side_ctl("$dir/small", 'stop') if $up }

my $ua = LWP::UserAgent->new(timeout => 10, keep_alive => 0);
my $base = "http://127.0.0.1:$port";
my %dora = (user => 'dora', password => 'D0ra-digest', uri => '/');
sub get { $ua->get("$base$_[0]", $_[1] ? (Authorization => $_[1]) : ()) }
sub logon {   # a new context: its challenge, and the status of nc=1
    my ($c) = grep { $_->{algorithm} eq 'SHA-256' } digest_challenges(get('/'));
    return ($c, get('/', digest_authorization(%dora, challenge => $c))->code);
}
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
my @idle = map { (logon())[0] } 1 .. 60;
my $evicted = status_figure('evicted (oldest-written, to make room)');
my $ok = 0;
$ok += get('/', digest_authorization(%dora, challenge => $busy, nc => $_ + 3))->code == 200
    for 1 .. 300;
is($ok, 300, '300 cached requests on the busy context');
is(status_figure('evicted (oldest-written, to make room)'), $evicted,
   '  evicted nothing: the replay window is rewritten in place');
is(get('/', digest_authorization(%dora, challenge => $idle[0], nc => 2))->header('X-Cached'),
   '1', '  and the oldest idle context still answers from the store');

# 400 more contexts: about twice what the store holds
logon() for 1 .. 400;
cmp_ok(status_figure('evicted (oldest-written, to make room)'), '>', 0,
       '400 more contexts: the store evicted the oldest entries');
my $res = get('/', digest_authorization(%dora, challenge => $first, nc => 2));
my @c = digest_challenges($res);
is($res->code, 401, 'the first context, evicted: nc=2 is not let in');
ok(@c && ($c[0]{stale} // '') eq 'true', '  stale=true, so the client retries without asking');
isnt($c[0]{opaque}, $first->{opaque}, '  with a new opaque (a new context)');
my ($again) = grep { $_->{algorithm} eq 'SHA-256' } @c;
is(get('/', digest_authorization(%dora, challenge => $again))->code, 200,
   '  on which it logs on again');

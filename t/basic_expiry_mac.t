# SPDX-License-Identifier: Apache-2.0
# A token's expiry is covered by its MAC: whoever can write the shared
# store (here a real redis, edited byte for byte with a client of its
# own) cannot keep a token alive by moving its expiry forward. The edited
# token is not used; the backend is asked again. The same for its
# creation time, which purges are checked against.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use AuthCacheTest;

plan tests => 14;

my $dir = tempdir(CLEANUP => 1);
my $redis = start_redis($dir);
system('htpasswd', '-b', '-B', '-C', '4', '-c', "$dir/users", 'rita', 'Rita-pass') == 0
    or die 'htpasswd';
my $port = free_port();
my $root = "$dir/srv";
side_conf($root, "Listen 127.0.0.1:$port", "AuthCacheSOCache redis:127.0.0.1:$redis",
    '<Location />', 'AuthType Basic', 'AuthName expiry', 'AuthBasicProvider authcache',
    'AuthCacheProvider file', "AuthUserFile $dir/users", 'AuthCacheBasicTTL 600',
    'Require valid-user', 'Header always set X-Cached "%{AUTHCACHE_CACHED_CRED}e"',
    '</Location>', '<Location /authcache-status>', 'SetHandler authcache-status',
    'Require all granted', '</Location>');
my ($up, $log) = side_ctl($root, 'start');
ok($up, 'side server on redis started') or diag $log;
END { side_ctl($root, 'stop') if $up }

my $ua = LWP::UserAgent->new(timeout => 10, keep_alive => 0);
sub login {   # (X-Cached or the status, backend calls it took)
    my $before = status()->{backend_calls};
    my $res = $ua->get("http://127.0.0.1:$port/",
                       Authorization => 'Basic ' . encode_base64('rita:Rita-pass', ''));
    return (($res->code == 200 ? $res->header('X-Cached') : $res->code),
            status()->{backend_calls} - $before);
}
sub status {
    JSON::PP::decode_json($ua->get("http://127.0.0.1:$port/authcache-status?json")->content);
}

is_deeply([login()], ['0', 1], 'first login asks the backend');
is_deeply([login()], ['1', 0], 'second is a hit from redis');

# the entry in redis: "authcache:" and the hex of the 32-byte key; the
# record: version, reserved, groups length (2), creation time and expiry
# (8 each, microseconds, big-endian), salt (16), MAC (32)
my $keys = redis_cmd($redis, 'KEYS', 'authcache:*');
is(scalar @$keys, 1, 'one entry in redis') or diag explain $keys;
my $key = $keys->[0];
my $rec = redis_cmd($redis, 'GET', $key);
is(length $rec, 68, 'a 68-byte token record');
my $expiry = unpack 'q>', substr($rec, 12, 8);
my $left = $expiry / 1e6 - time;
ok($left > 590 && $left <= 601, "its expiry is the TTL from now (${left}s)");

# written back unchanged (the same way as below): still a hit
is(redis_cmd($redis, 'SET', $key, $rec, 'KEEPTTL'), 'OK', 'record written back unchanged');
is_deeply([login()], ['1', 0], '  still a hit: rewriting the record changes nothing');

# a day added to the expiry, nothing else changed
my $pushed = $rec;
substr($pushed, 12, 8) = pack 'q>', $expiry + 86400 * 1_000_000;
redis_cmd($redis, 'SET', $key, $pushed, 'KEEPTTL');
is_deeply([login()], ['0', 1],
          'expiry pushed a day forward in redis: the token is refused, the backend asked');
isnt(unpack('H*', redis_cmd($redis, 'GET', $key)), unpack('H*', $pushed),
     '  and the edited record was replaced');
is_deeply([login()], ['1', 0], '  by a good one: the next login is a hit');

# the creation time moved forward (past any purge), nothing else changed
$rec = redis_cmd($redis, 'GET', $key);
my $made = unpack 'q>', substr($rec, 4, 8);
ok(abs($made / 1e6 + 600 - unpack('q>', substr($rec, 12, 8)) / 1e6) < 1,
   'its creation time is the TTL before its expiry');
my $younger = $rec;
substr($younger, 4, 8) = pack 'q>', $made + 3600 * 1_000_000;
redis_cmd($redis, 'SET', $key, $younger, 'KEEPTTL');
is_deeply([login()], ['0', 1],
          'creation time moved an hour forward in redis: the token is refused, the backend asked');
is_deeply([login()], ['1', 0], '  and the good one replacing it is a hit');

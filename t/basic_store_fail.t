# SPDX-License-Identifier: Apache-2.0
# A password change whose new token cannot be stored: the old entry is
# removed, so the old password stops working from the cache at once. The
# store is a real redis that is full (maxmemory below its use,
# noeviction): it refuses writes, and still deletes.
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
my $redis = start_redis($dir, '--maxmemory-policy', 'noeviction');
sub users { system('htpasswd', '-b', '-B', '-C', '4', '-c', "$dir/users", 'rita', shift) == 0 or die }
users('Rita-pass1');

my $port = free_port();
my $root = "$dir/srv";
side_conf($root, "Listen 127.0.0.1:$port", "AuthCacheSOCache redis:127.0.0.1:$redis",
    '<Location />', 'AuthType Basic', 'AuthName full', 'AuthBasicProvider authcache',
    'AuthCacheProvider file', "AuthUserFile $dir/users", 'Require valid-user',
    'Header always set X-Cached "%{AUTHCACHE_CACHED_CRED}e"', '</Location>',
    '<Location /authcache-status>', 'SetHandler authcache-status',
    'Require all granted', '</Location>');
my ($up, $log) = side_ctl($root, 'start');
ok($up, 'side server on redis started') or diag $log;
END { side_ctl($root, 'stop') if $up }

my $ua = LWP::UserAgent->new(timeout => 10, keep_alive => 0);
sub login {   # the X-Cached flag, or the status code when refused
    my $res = $ua->get("http://127.0.0.1:$port/",
                       Authorization => 'Basic ' . encode_base64("rita:$_[0]", ''));
    return $res->code == 200 ? $res->header('X-Cached') : $res->code;
}
sub status {
    JSON::PP::decode_json($ua->get("http://127.0.0.1:$port/authcache-status?json")->content);
}

is(login('Rita-pass1'), '0', 'first login asks the backend');
is(login('Rita-pass1'), '1', 'second is a hit from redis');

# redis full: its memory limit below what it uses, with noeviction it
# refuses every write (filling it up instead is not steady: the memory
# of each client connection comes and goes)
is(redis_cmd($redis, 'CONFIG', 'SET', 'maxmemory', '1'), 'OK', 'redis maxmemory set to 1 byte');
like(ref $_ ? $_->{error} : 'accepted', qr/^OOM/, '  so it refuses writes')
    for redis_cmd($redis, 'SET', 'probe', 'x');

users('Rita-pass2');
my $before = status();
is(login('Rita-pass2'), '0', 'the new password: the backend grants it');
is(status()->{store_errors} - $before->{store_errors}, 1,
   '  and its token could not be stored');
is(login('Rita-pass1'), 401,
   'the old password no longer works: its entry was removed, not left');
is(login('Rita-pass2'), '0', 'the new password keeps going to the backend');
like(slurp("$root/error_log"), qr/new token for rita could not be stored: its old entry is removed/,
     'the removal is logged');
unlike(slurp("$root/error_log"), qr/neither replaced nor removed/, '  and it worked');

# room again: the cache works again
redis_cmd($redis, 'CONFIG', 'SET', 'maxmemory', '0');
is(login('Rita-pass2'), '0', 'redis has room again: a backend login stores');
is(login('Rita-pass2'), '1', '  and the next is a hit');
is(login('Rita-pass1'), 401, '  the old password stays refused');

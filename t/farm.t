# SPDX-License-Identifier: Apache-2.0
# Stores that outlive httpd, on a real redis: the random secret survives a
# graceful restart (retained data) so entries still hit; two servers
# sharing the store and an AuthCacheSecretFile share entries, and a
# password change on one is refused at once on the other.
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

my $redis_port = start_redis($dir);
ok(redis_cmd($redis_port, 'PING') eq 'PONG', 'redis is up');

sub users { system('htpasswd', '-b', '-B', '-C', '4', '-c', "$dir/users", 'rita', shift) == 0 or die }
users('Rita-pass1');
open my $fh, '>', "$dir/farm.secret" or die; print $fh 'f' x 48; close $fh;
chmod 0600, "$dir/farm.secret";

# server NAME, extra global lines: a side server sharing redis
write_digest_users('farm', rita => 'Rita-digest');
my $digest_users = users_file('digest-users');
my %port;
sub server {
    my ($name, @extra) = @_;
    $port{$name} = free_port();
    side_conf("$dir/$name", "Listen 127.0.0.1:$port{$name}",
        "AuthCacheSOCache redis:127.0.0.1:$redis_port", @extra,
        '<Location />', 'AuthType Basic', 'AuthName farm',
        'AuthBasicProvider authcache', 'AuthCacheProvider file',
        "AuthUserFile $dir/users", 'AuthCacheContext farm', 'Require valid-user',
        'Header always set X-Cached "%{AUTHCACHE_CACHED_CRED}e"', '</Location>',
        '<Location /dg/>', 'AuthType Digest', 'AuthName farm',
        "AuthCacheDigestUserFile $digest_users",
        'AuthCacheDigestAlgorithms SHA-256', '</Location>');
    side_pages("$dir/$name/htdocs", 'dg');
}
sub ctl { my ($name, $cmd) = @_; (side_ctl("$dir/$name", $cmd))[0] }
sub login {   # the X-Cached flag, or the status code when refused
    my ($name, $pw) = @_;
    my $res = LWP::UserAgent->new(timeout => 5)->get(
        "http://127.0.0.1:$port{$name}/",
        Authorization => 'Basic ' . encode_base64("rita:$pw", ''));
    return $res->code == 200 ? $res->header('X-Cached') : $res->code;
}

# one server, random secret
server('solo');
ok(ctl(solo => 'start'), 'server started');
is(login(solo => 'Rita-pass1'), '0', 'first login goes to the backend');
is(login(solo => 'Rita-pass1'), '1', 'second is a hit from redis');
ctl(solo => 'graceful');
is(login(solo => 'Rita-pass1'), '1',
   'after a graceful restart the entry still hits: the secret was retained');
ctl(solo => 'stop');
ok(ctl(solo => 'start'), 'server started');
is(login(solo => 'Rita-pass1'), '0',
   'after stop and start: a new secret, the old entry is not found');
ctl(solo => 'stop');

# a farm of two sharing redis and a secret file
server('a', "AuthCacheSecretFile $dir/farm.secret");
server('b', "AuthCacheSecretFile $dir/farm.secret");
ctl(a => 'start');
ctl(b => 'start');
is(login(a => 'Rita-pass1'), '0', 'farm: first login on A asks the backend');
is(login(b => 'Rita-pass1'), '1', 'farm: B is served from the entry A stored');
users('Rita-pass2');
is(login(a => 'Rita-pass2'), '0', 'farm: new password accepted on A');
is(login(b => 'Rita-pass1'), 401, 'farm: old password refused on B at once');
is(login(b => 'Rita-pass2'), '1', 'farm: B gets the new password from the store');
# Digest across the farm: the context and its replay window live in redis
# (the window with an HMAC under the shared secret: redis is not this
# server's own memory)
my $ua = LWP::UserAgent->new(timeout => 5);
my ($dc) = grep { $_->{algorithm} eq 'SHA-256' }
           digest_challenges($ua->get("http://127.0.0.1:$port{a}/dg/"));
sub dg {   # X-Cached, or the status when refused
    my ($name, $nc) = @_;
    my $res = $ua->get("http://127.0.0.1:$port{$name}/dg/",
        Authorization => digest_authorization(user => 'rita',
            password => 'Rita-digest', challenge => $dc, uri => '/dg/', nc => $nc));
    return $res->code == 200 ? $res->header('X-Cached') : $res->code;
}
is(dg(a => 1), '0', 'farm Digest: logon on A');
is(dg(b => 2), '1', 'farm Digest: B verifies nc 2 from the context A stored');
is(dg(a => 2), 401, 'farm Digest: nc 2 replayed on A is refused (one window)');
is(dg(a => 3), '1', 'farm Digest: nc 3 on A from the context');
unlike(slurp("$dir/a/error_log") . slurp("$dir/b/error_log"),
       qr/authcache:(error|crit)/, 'no authcache errors in the logs');
ok(ctl(a => 'stop') && ctl(b => 'stop'), 'servers stopped');

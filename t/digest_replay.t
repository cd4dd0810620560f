# SPDX-License-Identifier: Apache-2.0
# Replay detection is atomic on every store: N identical Digest requests
# (same opaque, nonce, nc, a valid response), sent at the same moment on
# N connections, let exactly one in, on redis (a provider that needs no
# mutex for single calls, so the module must take its own around the
# replay window's read-change-write) as on the module's own store.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use IO::Select ();
use LWP::UserAgent ();
use lib 't/lib';
use AuthCacheTest;

my $N = 20;         # connections per burst
my $ROUNDS = 5;     # bursts per store, each with a new nc

plan tests => 2 * (3 + $ROUNDS) + 1;

my $dir = tempdir(CLEANUP => 1);
my $realm = 'replay@test';
write_digest_users($realm, rita => 'Rita-digest');
my $users = users_file('digest-users');
my $redis = start_redis($dir);

# enough workers that the N requests are handled at the same time
my @workers = (
    '<IfModule mpm_prefork_module>', "StartServers $N", "MinSpareServers $N",
    'MaxSpareServers ' . ($N + 5), 'MaxRequestWorkers ' . ($N + 5), '</IfModule>',
    '<IfModule !mpm_prefork_module>', 'ThreadsPerChild 10', 'StartServers 3',
    'MinSpareThreads 30', 'MaxSpareThreads 40', 'MaxRequestWorkers 40',
    '</IfModule>');

sub server {
    my ($name, $store) = @_;
    my $port = free_port();
    side_conf("$dir/$name", "Listen 127.0.0.1:$port", "AuthCacheSOCache $store",
        'KeepAlive Off', @workers,
        '<Location />', 'AuthType Digest', "AuthName \"$realm\"",
        "AuthCacheDigestUserFile $users", 'AuthCacheDigestAlgorithms SHA-256',
        'Require valid-user', '</Location>');
    return $port;
}

# the same request bytes on n connections: all connected first, then
# written one after the other as fast as the loop goes; the status codes
sub burst {
    my ($port, $n, $request) = @_;
    my @socks = map { IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                            Timeout => 10)
                      or die "connect: $!" } 1 .. $n;
    select undef, undef, undef, 0.2;     # every worker has taken its own
    syswrite $_, $request for @socks;
    my @codes;
    for my $s (@socks) {
        my $sel = IO::Select->new($s);
        my $line = $sel->can_read(15) ? <$s> : undef;
        push @codes, defined $line && $line =~ m{^HTTP/1\.\d (\d{3})} ? $1 : 'none';
        close $s;
    }
    return @codes;
}

my %stores = (redis => "redis:127.0.0.1:$redis", own => 'authcache:(1048576)');
for my $name (sort keys %stores) {
    my $port = server($name, $stores{$name});
    my ($up, $log) = side_ctl("$dir/$name", 'start');
    ok($up, "$name: side server started") or diag $log;
    my $ua = LWP::UserAgent->new(timeout => 10, keep_alive => 0);
    my ($c) = grep { $_->{algorithm} eq 'SHA-256' }
              digest_challenges($ua->get("http://127.0.0.1:$port/"));
    my %a = (user => 'rita', password => 'Rita-digest', challenge => $c,
             uri => '/', cnonce => 'burst');
    is($ua->get("http://127.0.0.1:$port/",
                Authorization => digest_authorization(%a, nc => 1))->code,
       200, "$name: logon with nc=1 stores the context");
    for my $nc (2 .. $ROUNDS + 1) {
        my $req = "GET / HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
                . 'Authorization: ' . digest_authorization(%a, nc => $nc)
                . "\r\nConnection: close\r\n\r\n";
        my @codes = burst($port, $N, $req);
        my %n;
        $n{$_}++ for @codes;
        is_deeply(\%n, { 200 => 1, 401 => $N - 1 },
                  "$name: $N identical requests with nc=$nc at once: exactly one let in")
            or diag "codes: @codes";
    }
    ok((side_ctl("$dir/$name", 'stop'))[0], "$name: stopped");
}
# the replays were refused as replays, nothing else went wrong
my $logs = slurp("$dir/redis/error_log") . slurp("$dir/own/error_log");
unlike($logs, qr/\[\w+:(error|crit|alert|emerg)\]|exit signal/,
       'no errors in the side servers\' logs');

# SPDX-License-Identifier: Apache-2.0
# The module's own store survives graceful restarts, as the secret does:
# Basic entries stored before a graceful restart, made while clients keep
# logging in, are hits after it, from the new generation's children; a
# Digest nc=1 answer used before it is still refused as a replay after it.
# Only a change of the store's size makes the store anew (and says so).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use POSIX ();
use Time::HiRes ();
use lib 't/lib';
use AuthCacheTest;

my $CLIENTS = 3;        # load processes during the restart
my @users = map { "load$_" } 1 .. $CLIENTS;

plan tests => 17;

my $dir = tempdir(CLEANUP => 1);
my $root = "$dir/srv";
my $realm = 'graceful@test';
write_digest_users($realm, rita => 'Rita-digest');
my $digest_users = users_file('digest-users');
system('htpasswd', '-b', '-B', '-C', '4', '-c', "$dir/users", 'rita', 'Rita-pass') == 0
    or die 'htpasswd';
system('htpasswd', '-b', '-B', '-C', '4', "$dir/users", $_, "$_-pass") == 0
    or die 'htpasswd' for @users;
my $port = free_port();
my $base = "http://127.0.0.1:$port";

sub conf {   # the side server, with the store line given (none: default)
    side_conf($root, "Listen 127.0.0.1:$port", @_,
        '<Location />', 'AuthType Basic', 'AuthName graceful',
        'AuthBasicProvider authcache', 'AuthCacheProvider file',
        "AuthUserFile $dir/users", 'Require valid-user',
        'Header always set X-Cached "%{AUTHCACHE_CACHED_CRED}e"', '</Location>',
        '<Location /dg/>', 'AuthType Digest', "AuthName \"$realm\"",
        "AuthCacheDigestUserFile $digest_users",
        'AuthCacheDigestAlgorithms SHA-256', '</Location>',
        '<Location /authcache-status>', 'SetHandler authcache-status',
        'Require all granted', '</Location>');
    side_pages("$root/htdocs", 'dg');
}
my $ua = LWP::UserAgent->new(timeout => 10, keep_alive => 0);
sub login {   # the X-Cached flag, or the status code when refused
    my ($user, $pw) = @_;
    my $res = $ua->get("$base/", Authorization => 'Basic '
                                 . encode_base64("$user:$pw", ''));
    return $res->code == 200 ? $res->header('X-Cached') : $res->code;
}
sub children {   # the side server's processes but its parent
    my $parent = slurp("$root/httpd.pid") =~ /(\d+)/ ? $1 : 0;
    return grep { $_ != $parent } AuthCacheTest::side_pids($root);
}

conf();      # the default store: authcache, 32 MiB, anonymous
my ($up, $log) = side_ctl($root, 'start');
ok($up, 'side server with the default store started') or diag $log;
is(login(rita => 'Rita-pass'), '0', 'first login asks the backend');
is(login(rita => 'Rita-pass'), '1', 'second is a hit');

my ($c) = grep { $_->{algorithm} eq 'SHA-256' } digest_challenges($ua->get("$base/dg/"));
my $nc1 = digest_authorization(user => 'rita', password => 'Rita-digest',
                               challenge => $c, uri => '/dg/', nc => 1);
is($ua->get("$base/dg/", Authorization => $nc1)->code, 200, 'Digest logon, nc=1');
is($ua->get("$base/dg/", Authorization => $nc1)->code, 401,
   'the same nc=1 answer again: refused as a replay');

# load: each client logs in as its own user on new connections (so every
# request goes to whichever child takes it, old generation or new) until
# told to stop; it writes the codes and flags it saw
my @load;
for my $u (@users) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $lua = LWP::UserAgent->new(timeout => 10, keep_alive => 0);
        my %seen;
        my $end = time + 60;
        until (-e "$dir/stop" || time > $end) {
            my $res = $lua->get("$base/", Authorization => 'Basic '
                                . encode_base64("$u:$u-pass", ''));
            $seen{$res->code . '/' . ($res->header('X-Cached') // '')}++;
            Time::HiRes::sleep(0.01);
        }
        open my $fh, '>', "$dir/load-$u" or POSIX::_exit(1);
        print $fh map { "$_ $seen{$_}\n" } sort keys %seen;
        close $fh;
        POSIX::_exit(0);
    }
    push @load, $pid;
}
ok(wait_for(sub { login($_, "$_-pass") eq '1' or return 0 for @users; 1 }),
   'the load clients\' entries are stored');

sub status { JSON::PP::decode_json($ua->get("$base/authcache-status?json")->content) }
my @old = children();
($up, $log) = side_ctl($root, 'graceful');
ok($up, 'graceful restart done, under load') or diag $log;
# the requests below must be served by the new generation: wait until
# every child of the old one has finished and gone
ok(wait_for(sub { my %now = map { $_ => 1 } children(); !grep { $now{$_} } @old }, 30),
   'the old generation\'s children are gone');
Time::HiRes::sleep(0.5);        # more load on the new generation
open my $fh, '>', "$dir/stop" or die $!;
close $fh;
waitpid $_, 0 for @load;
my %seen;
for my $u (@users) {
    for (split /\n/, slurp("$dir/load-$u")) {
        my ($k, $n) = split ' ';
        $seen{$k} += $n;
    }
}
my $total = 0;
$total += $_ for values %seen;
is_deeply([sort grep { !m{^200/} } keys %seen], [],
          "the load saw only 200s across the restart ($total requests)")
    or diag explain \%seen;

is(login(rita => 'Rita-pass'), '1',
   'after the graceful restart: rita is still a hit, from the new children');
is((join ',', map { login($_, "$_-pass") } @users), join(',', ('1') x @users),
   '  and so is every load user');
is($ua->get("$base/dg/", Authorization => $nc1)->code, 401,
   'the nc=1 Digest answer replayed after the restart is refused');
my $nc2 = digest_authorization(user => 'rita', password => 'Rita-digest',
                               challenge => $c, uri => '/dg/', nc => 2);
is($ua->get("$base/dg/", Authorization => $nc2)->code, 200,
   '  while nc=2 on the same context is served from it');

# a new size: the store is made anew, and the log says so
conf('AuthCacheSOCache authcache:(1048576)');
my $before = status();
($up, $log) = side_ctl($root, 'graceful');
ok($up, 'graceful restart with another store size');
is(status()->{basic_hits}, $before->{basic_hits},
   '  the counters go on from where they were');
like(slurp("$root/error_log"), qr/store's size changed from \d+ to 1048576 bytes/,
     '  logged: the store is made anew');
is(login(rita => 'Rita-pass'), '0', '  and its entries are gone: the backend is asked');

side_ctl($root, 'stop');

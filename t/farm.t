# Stores that outlive httpd, on a real redis: the random secret survives a
# graceful restart (retained data) so entries still hit; two servers
# sharing the store and an AuthCacheSecretFile share entries, and a
# password change on one is refused at once on the other.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);

plan tests => 12;

my $vars = Apache::Test::config()->{vars};
my ($httpd, $base, $load) = @$vars{qw(httpd httpd_conf httpd_conf_extra)};
my $dir = tempdir(CLEANUP => 1);

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0) or die "socket: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}
sub wait_for { my $cond = shift; for (1 .. 100) { return 1 if $cond->(); select undef, undef, undef, 0.1 } 0 }
sub slurp { my $f = shift; -e $f ? do { local (@ARGV, $/) = $f; <> } : '' }

# a throwaway redis on loopback, stopped at the end
my $redis_port = free_port();
my $redis_pid = fork // die "fork: $!";
if (!$redis_pid) {
    exec 'redis-server', '--port', $redis_port, '--bind', '127.0.0.1',
         '--save', '', '--appendonly', 'no', '--dir', $dir,
         '--logfile', "$dir/redis.log";
    die "exec redis-server: $!";
}
END { kill 'TERM', $redis_pid if $redis_pid }
ok(wait_for(sub { IO::Socket::INET->new("127.0.0.1:$redis_port") }),
   'redis is up');

sub users { system('htpasswd', '-b', '-B', '-C', '4', '-c', "$dir/users", 'rita', shift) == 0 or die }
users('Rita-pass1');
open my $fh, '>', "$dir/farm.secret" or die; print $fh 'f' x 48; close $fh;
chmod 0600, "$dir/farm.secret";

# server NAME, extra global lines: writes its config, returns its port
my %srv;
sub server {
    my ($name, @extra) = @_;
    my $port = free_port();
    my $root = "$dir/$name";
    mkdir $root; mkdir "$root/htdocs";
    open my $fh, '>', "$root/htdocs/index.html" or die; print $fh "hi\n"; close $fh;
    open $fh, '>', "$root/httpd.conf" or die;
    print $fh join "\n", "Include $base", "Include $load", 'ServerName localhost',
        "ServerRoot $root", "PidFile $root/httpd.pid", "ErrorLog $root/error_log",
        "DefaultRuntimeDir $root", 'TypesConfig /dev/null', 'LogLevel info',
        "Listen 127.0.0.1:$port", "DocumentRoot $root/htdocs",
        "AuthCacheSOCache redis:127.0.0.1:$redis_port", @extra,
        '<Location />', 'AuthType Basic', 'AuthName farm',
        'AuthBasicProvider authcache', 'AuthCacheProvider file',
        "AuthUserFile $dir/users", 'AuthCacheContext farm', 'Require valid-user',
        'Header always set X-Cached "%{AUTHCACHE_CACHED_CRED}e"', '</Location>', '';
    close $fh;
    $srv{$name} = { port => $port, root => $root };
}
sub ctl {
    my ($name, $cmd) = @_;
    my $s = $srv{$name};
    my $runs = () = slurp("$s->{root}/error_log") =~ /resuming normal operations/g;
    system($httpd, '-f', "$s->{root}/httpd.conf", '-k', $cmd);
    if ($cmd eq 'stop') {
        wait_for(sub { !-e "$s->{root}/httpd.pid" });
    } else {   # started or restarted: one more "resuming" line
        wait_for(sub { (() = slurp("$s->{root}/error_log")
                         =~ /resuming normal operations/g) > $runs });
    }
}
sub login {   # the X-Cached flag, or the status code when refused
    my ($name, $pw) = @_;
    my $res = LWP::UserAgent->new(timeout => 5)->get(
        "http://127.0.0.1:$srv{$name}{port}/",
        Authorization => 'Basic ' . encode_base64("rita:$pw", ''));
    return $res->code == 200 ? $res->header('X-Cached') : $res->code;
}

# one server, random secret
server('solo');
ctl(solo => 'start');
is(login(solo => 'Rita-pass1'), '0', 'first login goes to the backend');
is(login(solo => 'Rita-pass1'), '1', 'second is a hit from redis');
ctl(solo => 'graceful');
is(login(solo => 'Rita-pass1'), '1',
   'after a graceful restart the entry still hits: the secret was retained');
ctl(solo => 'stop');
ctl(solo => 'start');
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
unlike(slurp("$srv{a}{root}/error_log") . slurp("$srv{b}{root}/error_log"),
       qr/authcache:(error|crit)/, 'no authcache errors in the logs');
ctl(a => 'stop');
ctl(b => 'stop');
ok(!-e "$srv{a}{root}/httpd.pid" && !-e "$srv{b}{root}/httpd.pid", 'servers stopped');

# Bad configuration stops httpd at startup with a message naming the
# directive at fault; good configuration of the same directives passes.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestConfig ();
use File::Temp qw(tempdir);
use IO::Socket::INET ();

my $vars = Apache::Test::config()->{vars};
my ($httpd, $base, $load) = @$vars{qw(httpd httpd_conf httpd_conf_extra)};
my $dir = tempdir(CLEANUP => 1);

sub try_conf {   # returns (exit code, output) of httpd with these lines
    my ($mode, @lines) = @_;
    my $conf = "$dir/httpd.conf";
    open my $fh, '>', $conf or die $!;
    print $fh "Include $base\nInclude $load\nServerName localhost\n",
              "ServerRoot $dir\nPidFile $dir/httpd.pid\nErrorLog $dir/error_log\n",
              "DefaultRuntimeDir $dir\nTypesConfig /dev/null\nLogLevel notice\n", map { "$_\n" } @lines;
    close $fh;
    my @cmd = $mode eq 'test' ? ($httpd, '-t', '-f', $conf)
                              : ($httpd, '-f', $conf, '-k', 'start');
    unlink "$dir/httpd.pid", "$dir/error_log";
    my $out = `@cmd 2>&1`;
    my $rc = $? >> 8;
    if ($mode eq 'start') {
        # httpd detaches before it reads the secret: watch what it does
        my $log = sub { -e "$dir/error_log"
                        ? do { local (@ARGV, $/) = "$dir/error_log"; <> } : '' };
        for (1 .. 50) {
            last if $log->() =~ /resuming normal operations|Configuration Failed/;
            select undef, undef, undef, 0.1;
        }
        $out .= $log->();
        $rc = $out =~ /resuming normal operations/ ? 0 : 1;
        if (-e "$dir/httpd.pid") {
            system($httpd, '-f', $conf, '-k', 'stop');
            for (1 .. 50) { last unless -e "$dir/httpd.pid"; select undef, undef, undef, 0.1 }
        }
    }
    return ($rc, $out);
}

my $loc = sub { ('<Location /x>', 'AuthType Basic', 'AuthName x',
                 'AuthBasicProvider authcache', @_, '</Location>') };

my @bad = (
    [[$loc->('AuthCacheProvider nosuch')],
     qr/AuthCacheProvider: unknown authn provider 'nosuch'/],
    [[$loc->('AuthCacheProvider authcache')],
     qr/AuthCacheProvider: 'authcache' cannot wrap itself/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheBasicTTL -1')],
     qr/AuthCacheBasicTTL: '-1' is not a number of seconds/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheBasicTTL 15m')],
     qr/AuthCacheBasicTTL: '15m' is not a number of seconds/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheBasicTTL 99999999')],
     qr/AuthCacheBasicTTL: '99999999'/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheDefaultDomain EX\\AMPLE')],
     qr/AuthCacheDefaultDomain: give a bare domain name/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheContext ""')],
     qr/AuthCacheContext/],   # httpd's own "takes one argument"
    [['AuthCacheSOCache nosuch'],
     qr/AuthCacheSOCache: unknown socache provider 'nosuch'/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheSOCache shmcb')],
     qr/AuthCacheSOCache not allowed in <Location> context/],
    [['<VirtualHost *:80>', 'AuthCacheSecretFile /x', '</VirtualHost>'],
     qr/AuthCacheSecretFile cannot occur within <VirtualHost> section/],
);

plan tests => 2 * @bad + 6;

for my $b (@bad) {
    my ($lines, $want) = @$b;
    my ($rc, $out) = try_conf('test', @$lines);
    isnt($rc, 0, "refused: @$lines[grep { $lines->[$_] =~ /AuthCache/ } 0 .. $#$lines]");
    like($out, $want, '  and the message names the directive') or diag $out;
}

my ($rc, $out) = try_conf('test', $loc->('AuthCacheProvider file',
    'AuthCacheBasicTTL 0', 'AuthCacheDefaultDomain EXAMPLE',
    'AuthCacheContext team'), 'AuthCacheSOCache shmcb:x(65536)');
is($rc, 0, 'valid use of every directive passes') or diag $out;

# the secret file is read at startup (post_config): start a real server
sub free_port {   # closed here: a temporary would live on in the caller
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0) or die "socket: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}
open my $fh, '>', "$dir/short.secret" or die; print $fh "too short"; close $fh;
open $fh, '>', "$dir/good.secret" or die; print $fh 'k' x 48; close $fh;
chmod 0600, "$dir/short.secret", "$dir/good.secret";
my @loc = $loc->('AuthCacheProvider file');
($rc, $out) = try_conf('start', 'Listen 127.0.0.1:' . free_port(), @loc, "AuthCacheSecretFile $dir/short.secret");
isnt($rc, 0, 'a secret file under 32 bytes stops startup');
like($out, qr/AuthCacheSecretFile: \S+short.secret holds 9 bytes; it needs at least 32/,
     '  and says so') or diag $out;
($rc, $out) = try_conf('start', 'Listen 127.0.0.1:' . free_port(), @loc, "AuthCacheSecretFile $dir/missing.secret");
like($out, qr/AuthCacheSecretFile: cannot read \S+missing.secret/,
     'a missing secret file is named') or diag $out;
($rc, $out) = try_conf('start', 'Listen 127.0.0.1:' . free_port(), @loc, "AuthCacheSecretFile $dir/good.secret");
is($rc, 0, 'a good secret file starts') or diag $out;
unlike($out, qr/world-readable/, '  without a warning when it is private');

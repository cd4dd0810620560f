package AuthCacheTest;
# Helpers shared by the mod_authcache tests: Basic requests through LWP,
# credential files written by htpasswd, and the counters of the status page.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();
use Apache::TestRequest ();
use File::Path qw(make_path);
use IO::Socket::INET ();
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use Exporter 'import';

our @EXPORT = qw(basic_get raw_auth_get write_users counters counter_delta
                 users_file authcache_log_lines free_port slurp wait_for
                 side_conf side_ctl curl_ntlm ntlm_client write_ntlm_users
                 openssl_legacy_conf digest_h digest_challenges
                 digest_authorization write_digest_users start_redis
                 redis_cmd);

sub users_file {
    my $name = shift;
    my $dir = Apache::Test::vars('serverroot') . '/run';
    make_path($dir);
    return "$dir/$name";
}

# write_users('users-a', alice => 'pw', ...): a bcrypt file made by the
# real htpasswd tool (cost 4: fast enough for tests, same code path).
sub write_users {
    my ($name, %users) = @_;
    my $file = users_file($name);
    my $tmp = "$file.tmp";
    unlink $tmp;
    for my $u (sort keys %users) {
        my @cmd = ('htpasswd', '-b', '-B', '-C', '4', (-e $tmp ? () : '-c'),
                   $tmp, $u, $users{$u});
        system(@cmd) == 0 or die "htpasswd failed: @cmd";
    }
    rename $tmp, $file or die "rename $tmp: $!";
    return $file;
}

# GET with Basic credentials; returns the HTTP::Response.
sub basic_get {
    my ($path, $user, $pw, @headers) = @_;
    return raw_auth_get($path,
        'Basic ' . encode_base64("$user:$pw", ''), @headers);
}

sub raw_auth_get {
    my ($path, $auth, @headers) = @_;
    return Apache::TestRequest::GET($path, Authorization => $auth, @headers);
}

sub counters {
    my $res = Apache::TestRequest::GET('/authcache-status?json');
    die 'status page: ' . $res->status_line unless $res->is_success;
    return JSON::PP::decode_json($res->content);
}

# counter_delta(sub { ... }): runs the code, returns after-minus-before
# for every counter.
sub counter_delta {
    my $code = shift;
    my $before = counters();
    $code->();
    my $after = counters();
    return { map { $_ => ($after->{$_} =~ /^\d+$/
                          ? $after->{$_} - $before->{$_} : $after->{$_}) }
             keys %$after };
}

sub authcache_log_lines {
    my $file = Apache::Test::vars('serverroot') . '/logs/authcache_log';
    open my $fh, '<', $file or return ();
    return <$fh>;
}

sub free_port {   # closed here: a temporary would live on in the caller
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0) or die "socket: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub slurp { my $f = shift; -e $f ? do { local (@ARGV, $/) = $f; <> } : '' }

sub wait_for {   # polls for up to 10 s (or the seconds given)
    my ($cond, $secs) = @_;
    for (1 .. 10 * ($secs || 10)) {
        return 1 if $cond->();
        select undef, undef, undef, 0.1;
    }
    return 0;
}

# Side servers, for tests that start, restart or break an httpd of their
# own: the suite's modules and mod_authcache, plus the given lines.
sub side_conf {
    my ($root, @lines) = @_;
    my $vars = Apache::Test::config()->{vars};
    make_path("$root/htdocs");
    open my $fh, '>', "$root/htdocs/index.html" or die $!;
    print $fh "hi\n";
    close $fh;
    open $fh, '>', "$root/httpd.conf" or die $!;
    print $fh map { "$_\n" } "Include $vars->{httpd_conf}",
        "Include $vars->{httpd_conf_extra}", 'ServerName localhost',
        "ServerRoot $root", "PidFile $root/httpd.pid",
        "ErrorLog $root/error_log", "DefaultRuntimeDir $root",
        "DocumentRoot $root/htdocs", 'TypesConfig /dev/null',
        'LogLevel info', @lines;
    close $fh;
    return "$root/httpd.conf";
}

# The processes running ROOT's httpd.conf (parent and children of every
# generation), found by their command line.
sub side_pids {
    my $root = shift;
    my @pids;
    for my $f (glob '/proc/[0-9]*/cmdline') {
        my $cmd = slurp($f);
        push @pids, $f =~ m{(\d+)} if index($cmd, "\0$root/httpd.conf\0") >= 0;
    }
    return @pids;
}

# 1 when nothing listens on 127.0.0.1:PORT (bound as httpd binds it, with
# SO_REUSEADDR, so connections in TIME_WAIT do not count)
sub port_free {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => shift, ReuseAddr => 1);
    return 0 unless $s;
    close $s;
    return 1;
}

# side_ctl(ROOT, start|graceful|stop|test): runs httpd -k CMD (or -t) and
# waits for the outcome; returns (ok, what httpd and its error log said).
# httpd detaches before it reads most of its config, so its exit code
# alone says little: a start is done when a new "resuming normal
# operations" line shows, and failed when "Configuration Failed" does.
# A stop is done when every process of that server is gone and its ports
# can be bound again: httpd removes its pid file before its children have
# exited and before its listeners and shared memory go, so a start right
# after would find the port still taken.
sub side_ctl {
    my ($root, $cmd) = @_;
    my $httpd = Apache::Test::config()->{vars}{httpd};
    my @args = $cmd eq 'test' ? ('-t') : ('-k', $cmd);
    my $log = "$root/error_log";
    my $runs = () = slurp($log) =~ /resuming normal operations/g;
    my $fails = () = slurp($log) =~ /Configuration Failed/g;
    my @ports = slurp("$root/httpd.conf") =~ /^Listen\s+(?:\S+:)?(\d+)\s*$/mg;
    my $out = `$httpd -f $root/httpd.conf @args 2>&1`;
    my $ok = $? == 0;
    if ($cmd eq 'stop') {
        $ok = wait_for(sub { !-e "$root/httpd.pid" && !side_pids($root) }, 30)
              && wait_for(sub { !grep { !port_free($_) } @ports }, 30);
        $out .= "still running: @{[side_pids($root)]}\n" unless $ok;
    }
    elsif ($cmd ne 'test' && $ok) {
        wait_for(sub {
            (() = slurp($log) =~ /resuming normal operations/g) > $runs
            || (() = slurp($log) =~ /Configuration Failed/g) > $fails }, 30);
        $ok = (() = slurp($log) =~ /resuming normal operations/g) > $runs;
    }
    return ($ok, $out . slurp($log));
}

# write_ntlm_users(user => password, ...) in domain EXAMPLE, with htntlm
sub write_ntlm_users {
    my %users = @_;
    my $file = users_file('ntlm-users');
    my $top = Apache::Test::vars('top_dir');
    my $first = 1;
    for my $u (sort keys %users) {
        my @cmd = ("$top/tools/htntlm", ($first ? '-c' : ()), '-b', $file,
                   'EXAMPLE', $u, $users{$u});
        system(@cmd) == 0 or die "htntlm failed: @cmd";
        $first = 0;
    }
    return $file;
}

# curl_ntlm([curl options], url, url, ...): one curl --ntlm command, the
# URLs on one connection when curl can; "--next", more options and URLs
# start a new set of options (curl resets them there). Returns a hash per
# URL: code, cached (X-Cached), user (X-User), connects, persistent,
# version (HTTP version of the final response).
sub curl_ntlm {
    my ($opts, @args) = @_;
    my $base = 'http://' . Apache::TestRequest::hostport();
    my @common = ('-s', '--ntlm', '-w',
                  '%{http_code}|%header{X-Cached}|%header{X-User}|'
                  . '%{num_connects}|%header{Persistent-Auth}|%{http_version}\n');
    my @cmd = ('curl', @common, @$opts,
               map { $_ eq '--next' ? ($_, @common)
                     : m{^(/|https?:)} ? ('-o', '/dev/null', m{^/} ? "$base$_" : $_)
                     : $_ } @args);
    open my $fh, '-|', @cmd or die "curl: $!";
    my @out = map { chomp; my @f = split /\|/, $_, -1;
                    { code => $f[0], cached => $f[1], user => $f[2],
                      connects => $f[3], persistent => $f[4],
                      version => $f[5] } } <$fh>;
    close $fh;
    return @out;
}

# Debian's python3 NTLM clients need MD4, which OpenSSL 3 keeps in its
# legacy provider: a config that loads it, for their process only
sub openssl_legacy_conf {
    my $file = Apache::Test::vars('serverroot') . '/run/openssl-legacy.cnf';
    make_path(Apache::Test::vars('serverroot') . '/run');
    open my $fh, '>', $file or die $!;
    print $fh "openssl_conf = init\n[init]\nproviders = prov\n[prov]\n",
              "default = on\nlegacy = on\n[on]\nactivate = 1\n";
    close $fh;
    return $file;
}

# ntlm_client(args...): runs t/bin/ntlm-client, returns its JSON lines
sub ntlm_client {
    my @args = @_;
    my $top = Apache::Test::vars('top_dir');
    local $ENV{OPENSSL_CONF} = openssl_legacy_conf();
    open my $fh, '-|', '/usr/bin/python3', "$top/t/bin/ntlm-client", @args
        or die "ntlm-client: $!";
    my @out = map { JSON::PP::decode_json($_) } grep { /^\{/ } <$fh>;
    close $fh;
    return @out;
}

# --- redis, for the tests of shared stores

# start_redis(DIR, redis-server options...): a throwaway redis on
# loopback, its files in DIR, stopped when the test process ends; returns
# its port once it answers PING.
my @redis_pids;
my $redis_owner = $$;
sub start_redis {
    my ($dir, @opts) = @_;
    my $port = free_port();
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        exec 'redis-server', '--port', $port, '--bind', '127.0.0.1',
             '--save', '', '--appendonly', 'no', '--dir', $dir,
             '--logfile', "$dir/redis-$port.log", @opts;
        die "exec redis-server: $!";
    }
    push @redis_pids, $pid;
    wait_for(sub { my $r = eval { redis_cmd($port, 'PING') }; ($r // '') eq 'PONG' })
        or die "redis on port $port did not start: " . slurp("$dir/redis-$port.log");
    return $port;
}
END {   # only the process that started them (not forked load clients)
    if ($$ == $redis_owner) {
        kill 'TERM', @redis_pids if @redis_pids;
        waitpid $_, 0 for @redis_pids;
    }
}

# redis_cmd(PORT, ARGS...): one command in RESP over a socket of its own;
# the reply: a string (bulk strings byte for byte), a number, undef for
# nil, an array ref, or { error => TEXT } for an error reply.
sub redis_cmd {
    my ($port, @args) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 5)
        or die "redis $port: $!";
    binmode $s;
    print $s '*' . @args . "\r\n", map { '$' . length($_) . "\r\n$_\r\n" } @args;
    my $reply = _resp_read($s);
    close $s;
    return $reply;
}

sub _resp_read {
    my $s = shift;
    my $line = <$s> // die "redis: connection closed";
    $line =~ s/\r\n\z// or die "redis: bad line";
    my ($t, $v) = (substr($line, 0, 1), substr($line, 1));
    return $v if $t eq '+';
    return 0 + $v if $t eq ':';
    return { error => $v } if $t eq '-';
    if ($t eq '$') {
        return undef if $v < 0;
        my $buf = '';
        while (length($buf) < $v + 2) {
            read($s, $buf, $v + 2 - length($buf), length($buf)) or die "redis: short read";
        }
        return substr($buf, 0, $v);
    }
    if ($t eq '*') {
        return undef if $v < 0;
        return [ map { _resp_read($s) } 1 .. $v ];
    }
    die "redis: unknown reply type '$t'";
}

# --- Digest (RFC 7616), computed here in Perl, independent of the module

use Digest::MD5 ();
use Digest::SHA ();

my %digest_fn = ('MD5' => \&Digest::MD5::md5_hex,
                 'SHA-256' => \&Digest::SHA::sha256_hex,
                 'SHA-512-256' => \&Digest::SHA::sha512256_hex);

sub digest_h { my ($alg, $data) = @_; (my $a = $alg) =~ s/-sess$//i; $digest_fn{uc $a}->($data) }

# write_digest_users(realm, user => password, ...): user:realm:ALG:hash
# lines for every algorithm (AuthCacheDigestUserFile), and the MD5 ones in
# htdigest format (user:realm:hash) for AuthCacheDigestProvider file
sub write_digest_users {
    my ($realm, %users) = @_;
    my ($all, $htd) = (users_file('digest-users'), users_file('htdigest'));
    open my $a, '>', $all or die $!;
    open my $h, '>', $htd or die $!;
    for my $u (sort keys %users) {
        my $a1 = "$u:$realm:$users{$u}";
        print $a "$u:$realm:$_:" . digest_h($_, $a1) . "\n"
            for qw(MD5 SHA-256 SHA-512-256);
        print $h "$u:$realm:" . digest_h('MD5', $a1) . "\n";
    }
    close $a;
    close $h;
}

# the Digest challenges of a response: a list of {param => value}
sub digest_challenges {
    my $res = shift;
    my @out;
    for my $v ($res->header('WWW-Authenticate')) {
        next unless $v =~ s/^Digest\s+//i;
        my %p;
        while ($v =~ /\G\s*([\w-]+)=("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*,?/gc) {
            $p{lc $1} = defined $3 ? $3 : $2;
        }
        push @out, \%p;
    }
    return @out;
}

# digest_authorization(%a): the Authorization header value for a
# challenge {realm nonce opaque algorithm} and user, password, method,
# uri, nc, cnonce, qop (auth|auth-int), body, userhash, plus overrides
sub digest_authorization {
    my %a = (method => 'GET', nc => 1, cnonce => 'c0ffee' . int(rand(1e9)),
             qop => 'auth', body => '', @_);
    my $alg = $a{algorithm} // $a{challenge}{algorithm} // 'MD5';
    my ($realm, $nonce, $opaque) = @{ $a{challenge} }{qw(realm nonce opaque)};
    $nonce = $a{nonce} if exists $a{nonce};
    $opaque = $a{opaque} if exists $a{opaque};
    my $nc = sprintf '%08x', $a{nc};
    my $ha1 = digest_h($alg, "$a{user}:$realm:$a{password}");
    $ha1 = digest_h($alg, "$ha1:$nonce:$a{cnonce}") if $alg =~ /-sess$/i;
    my $a2 = "$a{method}:$a{uri}";
    $a2 .= ':' . digest_h($alg, $a{body}) if $a{qop} eq 'auth-int';
    my $resp = $a{response} // digest_h($alg,
        join ':', $ha1, $nonce, $nc, $a{cnonce}, $a{qop}, digest_h($alg, $a2));
    my $name = $a{userhash} ? digest_h($alg, "$a{user}:$realm") : $a{user};
    return sprintf 'Digest username="%s", realm="%s", nonce="%s", uri="%s", '
        . 'algorithm=%s, qop=%s, nc=%s, cnonce="%s", response="%s", '
        . 'opaque="%s"%s', $name, $realm, $nonce, $a{uri}, $alg, $a{qop},
        $nc, $a{cnonce}, $resp, $opaque, $a{userhash} ? ', userhash=true' : '';
}

1;

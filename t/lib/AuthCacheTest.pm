# SPDX-License-Identifier: Apache-2.0
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
use POSIX ();
use LWP::UserAgent ();

our @EXPORT = qw(basic_get raw_auth_get write_users counters counter_delta
                 users_file authcache_log_lines free_port slurp wait_for
                 side_conf side_ctl curl_ntlm ntlm_client write_ntlm_users
                 openssl_legacy_conf digest_h digest_challenges
                 digest_authorization write_digest_users write_ntlm_file
                 write_digest_file write_htdigest_file ntlm_steps
                 start_redis redis_cmd);

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

# '' for a file that is not there (or gone: a /proc entry of a process that
# ended after the glob that found it)
sub slurp { my $f = shift; open my $fh, '<', $f or return ''; local $/; return <$fh> // '' }

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
sub write_ntlm_users { return write_ntlm_file('ntlm-users', @_) }

# write_ntlm_file(name, user => password, ...): run/NAME by htntlm; a user
# is in domain EXAMPLE unless given as DOMAIN\user
sub write_ntlm_file {
    my ($name, %users) = @_;
    my $file = users_file($name);
    my $top = Apache::Test::vars('top_dir');
    my $first = 1;
    for my $u (sort keys %users) {
        my ($dom, $user) = $u =~ /^(.*)\\(.*)$/ ? ($1, $2) : ('EXAMPLE', $u);
        my @cmd = ("$top/tools/htntlm", ($first ? '-c' : ()), '-b', $file,
                   $dom, $user, $users{$u});
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

# ntlm_steps(url, [steps], source address): one connection of
# t/bin/ntlm-client steps (logon, plain, stray; see there); a hash per
# step, a header the response lacked as ''
sub ntlm_steps {
    my ($url, $steps, $source) = @_;
    return map { my $h = $_; +{ map { $_ => $h->{$_} // '' } keys %$h } }
        ntlm_client('steps', $url, JSON::PP::encode_json($steps),
                    defined $source ? $source : ());
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
    write_digest_file('digest-users', $realm, %users);
    write_htdigest_file('htdigest', $realm, %users);
}

# write_digest_file(name, realm, user => password, ...): run/NAME with
# user:realm:ALG:hash lines for every algorithm (AuthCacheDigestUserFile)
sub write_digest_file {
    my ($name, $realm, %users) = @_;
    my $file = users_file($name);
    open my $fh, '>', $file or die "$file: $!";
    for my $u (sort keys %users) {
        print $fh "$u:$realm:$_:" . digest_h($_, "$u:$realm:$users{$u}") . "\n"
            for qw(MD5 SHA-256 SHA-512-256);
    }
    close $fh;
    return $file;
}

# write_htdigest_file(name, realm, user => password, ...): run/NAME in
# htdigest format (user:realm:MD5 hash), for mod_authn_file
sub write_htdigest_file {
    my ($name, $realm, %users) = @_;
    my $file = users_file($name);
    open my $fh, '>', $file or die "$file: $!";
    print $fh "$_:$realm:" . digest_h('MD5', "$_:$realm:$users{$_}") . "\n"
        for sort keys %users;
    close $fh;
    return $file;
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

# --- issue 11: what an application page says -------------------------
# The applications of the stack tests (t/cgi-bin/app.pl, the PHP page,
# the proxied app server t/bin/app-server) print KEY=value lines.
push @EXPORT, qw(page_vars page_summary curl_pages lwp_pages py_pages);

sub page_vars {
    my %v;
    $v{$1} = $2 while ($_[0] // '') =~ /^([\w.]+)=(.*)$/mg;
    return \%v;
}

# one line per response, the form the tests compare: status, which
# application answered, and the user, flag, source, user and domain and
# request URI it was given ('-' for a line the page did not have)
sub page_summary {
    my $r = shift;                      # {code, body}
    my $v = page_vars($r->{body});
    my @f = map { $v->{$_} // '-' } qw(app REMOTE_USER AUTHCACHE_CACHED_CRED
        AUTHCACHE_SOURCE AUTHCACHE_USER AUTHCACHE_DOMAIN REQUEST_URI);
    return sprintf '%s %s user=%s cached=%s source=%s as=%s|%s uri=%s',
        $r->{code}, @f;
}

# curl_pages([options], url...): one curl command, its URLs on one
# connection where curl can (paths are on the test server). A hash per
# URL: code, connects (new connections for it), body.
sub curl_pages {
    my ($opts, @urls) = @_;
    my $base = 'http://' . Apache::TestRequest::hostport();
    my $mark = '\n@@authcache-end %{http_code} %{num_connects}\n';
    open my $fh, '-|', 'curl', '-s', '-w', $mark, @$opts,
        map { m{^/} ? "$base$_" : $_ } @urls or die "curl: $!";
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    my @r;
    while ($out =~ /\G(.*?)\n\@\@authcache-end (\d+) (\d+)\n/sgc) {
        push @r, { body => $1, code => $2, connects => $3 };
    }
    return @r;
}

# lwp_pages(ua, url...): GETs in order with one LWP::UserAgent
sub lwp_pages {
    my ($ua, @urls) = @_;
    my $base = 'http://' . Apache::TestRequest::hostport();
    return map {
        my $res = $ua->get(m{^/} ? "$base$_" : $_);
        { code => $res->code, body => $res->decoded_content // '' }
    } @urls;
}

# py_pages(ntlm|digest, user, password, n, url...): t/bin/page-client,
# python requests with a new session per URL doing n GETs of it
sub py_pages {
    my ($scheme, $user, $pw, $n, @urls) = @_;
    my $top = Apache::Test::vars('top_dir');
    my $base = 'http://' . Apache::TestRequest::hostport();
    local $ENV{OPENSSL_CONF} = openssl_legacy_conf();
    open my $fh, '-|', '/usr/bin/python3', "$top/t/bin/page-client", $scheme,
        $user, $pw, $n, map { m{^/} ? "$base$_" : $_ } @urls
        or die "page-client: $!";
    my @out = map { my $j = JSON::PP::decode_json($_);
                    { code => $j->{status}, body => $j->{body},
                      sent_auth => $j->{sent_auth} ? 1 : 0 } }
              grep { /^\{/ } <$fh>;
    close $fh;
    return @out;
}

# subreq_shapes(prefix): the shapes of t/htdocs/sr-basic under one of
# its prefixes (t/conf/extra.conf.in, issue 11): [name, path, status]
push @EXPORT, qw(subreq_shapes);
sub subreq_shapes {
    my $p = shift;
    return (['DirectoryIndex into a <Files> section', "$p/idx/", 200],
            ['front controller (.htaccess RewriteRule)', "$p/fc/some/route", 200],
            ['front controller, its directory', "$p/fc/", 200],
            ['server RewriteRule [PT]', "$p/srv/any", 200],
            ['ErrorDocument 404', "$p/missing", 404],
            ['mod_include virtual', "$p/inc/page.shtml", 200],
            ['MultiViews', "$p/mv/page", 200],
            ['Action handler', "$p/act/doc.note", 200],
            ['the script itself', "$p/idx/index.pl", 200]);
}

# --- issue 11: the application stacks of examples/ --------------------
push @EXPORT, qw(stack_server spawn stop_spawned);

# stack_server(ROOT, EXAMPLE, {from => to, ...}): a side server running
# examples/EXAMPLE, with its host paths replaced by the test's (each must
# be in the example: the test and the example cannot drift apart), in
# three virtual hosts: as written (Basic), with AUTHCACHE_NTLM and with
# AUTHCACHE_DIGEST defined. Returns {basic|ntlm|digest => base URL}.
sub stack_server {
    my ($root, $example, $subst) = @_;
    my $top = Apache::Test::vars('top_dir');
    my $text = slurp("$top/examples/$example") or die "no examples/$example";
    for my $from (sort { length $b <=> length $a } keys %$subst) {
        $text =~ s/\Q$from\E/$subst->{$from}/g
            or die "examples/$example does not mention $from";
    }
    make_path($root);
    open my $fh, '>', "$root/$example" or die "$root/$example: $!";
    print $fh $text;
    close $fh;
    my (%url, %seen, @lines);
    for my $scheme (qw(basic ntlm digest)) {
        my $port;
        do { $port = free_port() } while $seen{$port}++;
        my @def = $scheme eq 'basic' ? () : ('AUTHCACHE_' . uc $scheme);
        push @lines, "Listen 127.0.0.1:$port", map("Define $_", @def),
            "<VirtualHost 127.0.0.1:$port>", "    Include $root/$example",
            '</VirtualHost>', map("UnDefine $_", @def);
        $url{$scheme} = "http://127.0.0.1:$port";
    }
    side_conf($root, @lines);
    my ($ok, $log) = side_ctl($root, 'start');
    die "the server for examples/$example did not start:\n$log" unless $ok;
    return \%url;
}

# spawn(command...): a helper process of the test (php-fpm, an app
# server) in the background; its pid. stop_spawned(pid) ends and reaps it.
sub spawn {
    my @cmd = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        exec @cmd or POSIX::_exit(127);
    }
    return $pid;
}
sub stop_spawned {
    my $pid = shift or return;
    local $?;                           # an END block's exit status
    kill 'TERM', $pid;
    waitpid $pid, 0;
}

# stack_logons(url => {basic|ntlm|digest => base}, app => NAME, paths =>
# [...], basic => [user prefix, password]): the logon matrix of the stack
# tests, 13 checks per path, each path on new connections: Basic with
# curl and LWP (users PREFIXcN and PREFIXlN, a fresh cache entry each),
# NTLM as EXAMPLE\alice with curl and requests-ntlm, Digest as dora
# (realm "intranet") with curl, python requests and LWP. Each checks the
# page of the first request of a connection and of the next one.
push @EXPORT, qw(stack_logons);
sub stack_logons {
    my %a = @_;
    my ($url, $app, @paths) = ($a{url}, $a{app}, @{ $a{paths} });
    my ($pre, $pw) = @{ $a{basic} };
    my $want = sub {
        my ($user, $as, $source, $cached, $uri) = @_;
        return "200 $app user=$user cached=$cached source=$source as=$as uri=$uri";
    };
    my $hostport = sub { $_[0] =~ s{^http://}{}r };
    my @r;
    for my $i (1 .. @paths) {
        my $p = $paths[$i - 1];
        my ($c, $l) = ("${pre}c$i", "${pre}l$i");
        @r = curl_pages(['-u', "$c:$pw"], "$url->{basic}$p", "$url->{basic}$p");
        Test::More::is(page_summary($r[0]), $want->($c, "$c|EXAMPLE", 'basic-token', 0, $p), "Basic, curl, $p: first login");
        Test::More::is(page_summary($r[1] // {}), $want->($c, "$c|EXAMPLE", 'basic-token', 1, $p), "Basic, curl, $p: next login, from the cache");
        my $ua = LWP::UserAgent->new(keep_alive => 1);
        $ua->credentials($hostport->($url->{basic}), 'Intranet', $l, $pw);
        @r = lwp_pages($ua, "$url->{basic}$p", "$url->{basic}$p");
        Test::More::is(page_summary($r[0]), $want->($l, "$l|EXAMPLE", 'basic-token', 0, $p), "Basic, LWP, $p: first login");
        Test::More::is(page_summary($r[1]), $want->($l, "$l|EXAMPLE", 'basic-token', 1, $p), "Basic, LWP, $p: next login, from the cache");
    }
    my @ntlm = ('EXAMPLE\\alice', 'alice|EXAMPLE', 'ntlm-connection');
    for my $p (@paths) {
        @r = curl_pages(['--ntlm', '-u', 'alice:Al1ce-ntlm'], "$url->{ntlm}$p", "$url->{ntlm}$p");
        Test::More::is(page_summary($r[0]), $want->(@ntlm, 0, $p), "NTLM, curl, $p: the handshake's request");
        Test::More::is(page_summary($r[1] // {}), $want->(@ntlm, 1, $p), "NTLM, curl, $p: next request, from the connection");
    }
    @r = py_pages('ntlm', 'EXAMPLE\\alice', 'Al1ce-ntlm', 2, map { "$url->{ntlm}$_" } @paths);
    for my $p (@paths) {
        my ($first, $next) = splice @r, 0, 2;
        Test::More::is(page_summary($first // {}), $want->(@ntlm, 0, $p), "NTLM, requests-ntlm, $p: the handshake's request");
        Test::More::is(page_summary($next // {}) . ' header=' . ($next->{sent_auth} // '?'),
            $want->(@ntlm, 1, $p) . ' header=0', "NTLM, requests-ntlm, $p: next request, no header, from the connection");
    }
    my @dig = ('dora', 'dora|intranet', 'digest-context');
    for my $p (@paths) {    # curl answers each URL's challenge afresh
        @r = curl_pages(['--digest', '-u', 'dora:D0ra-digest'], "$url->{digest}$p");
        Test::More::is(page_summary($r[0]), $want->(@dig, 0, $p), "Digest, curl, $p: logon");
    }
    @r = py_pages('digest', 'dora', 'D0ra-digest', 2, map { "$url->{digest}$_" } @paths);
    for my $p (@paths) {
        my ($first, $next) = splice @r, 0, 2;
        Test::More::is(page_summary($first // {}), $want->(@dig, 0, $p), "Digest, requests, $p: logon");
        Test::More::is(page_summary($next // {}), $want->(@dig, 1, $p), "Digest, requests, $p: next request, from the context");
    }
    for my $p (@paths) {
        my $ua = LWP::UserAgent->new(keep_alive => 1);
        $ua->credentials($hostport->($url->{digest}), 'intranet', 'dora', 'D0ra-digest');
        @r = lwp_pages($ua, "$url->{digest}$p", "$url->{digest}$p");
        Test::More::is(page_summary($r[0]), $want->(@dig, 0, $p), "Digest, LWP, $p: logon");
        Test::More::is(page_summary($r[1]), $want->(@dig, 1, $p), "Digest, LWP, $p: next request, from the context");
    }
}

# vhost_port(module): the port of the <VirtualHost> Apache::Test made
# for that name in the config (t/conf/*.conf.in)
push @EXPORT, qw(vhost_port);
sub vhost_port {
    my $old = Apache::TestRequest::module(shift);
    my ($port) = Apache::TestRequest::hostport() =~ /:(\d+)$/;
    Apache::TestRequest::module($old);
    return $port;
}

# side_pages(base, dir, ...): base/DIR/index.html saying "DIR\n" for each,
# the pages a side server's locations serve
push @EXPORT, qw(side_pages);
sub side_pages {
    my ($base, @dirs) = @_;
    for my $d (@dirs) {
        make_path("$base/$d");
        open my $fh, '>', "$base/$d/index.html" or die "$base/$d: $!";
        print $fh "$d\n";
        close $fh;
    }
}

1;

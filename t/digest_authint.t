# SPDX-License-Identifier: Apache-2.0
# qop=auth-int with large bodies (AuthCacheDigestMaxBody 64 MiB): the body
# is hashed as it arrives and kept beyond 64 KiB in a temporary file, so
# httpd's memory stays bounded whatever the size; the handler still reads
# it whole and unchanged. Nothing of the body is read for an unknown user.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Digest::SHA qw(sha256_hex);
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use lib 't/lib';
use AuthCacheTest;

plan tests => 11;

my $dir = tempdir(CLEANUP => 1);
my $realm = 'big@test';
write_digest_users($realm, dora => 'D0ra-digest');
my $users = users_file('digest-users');
my $port = free_port();
mkdir "$dir/big" or die $!;
mkdir "$dir/big/cgi" or die $!;
open my $fh, '>', "$dir/big/cgi/sum.pl" or die $!;
print $fh <<'EOF';
#!/usr/bin/perl
# the body as the handler reads it: its length and SHA-256
use Digest::SHA;
binmode STDIN;
my $sha = Digest::SHA->new(256);
my $n = 0;
while (read(STDIN, my $buf, 65536)) { $n += length $buf; $sha->add($buf) }
print "Content-Type: text/plain\n\n$n ", $sha->hexdigest, "\n";
EOF
close $fh;
chmod 0755, "$dir/big/cgi/sum.pl";
side_conf("$dir/big", "Listen 127.0.0.1:$port",
    # one child process, so its memory is the server's
    '<IfModule mpm_prefork_module>', 'StartServers 1', 'MinSpareServers 1',
    'MaxSpareServers 1', 'MaxRequestWorkers 1', '</IfModule>',
    '<IfModule !mpm_prefork_module>', 'StartServers 1', 'ServerLimit 1',
    'MinSpareThreads 1', 'MaxSpareThreads 25', 'ThreadsPerChild 25',
    'MaxRequestWorkers 25', '</IfModule>', 'MaxConnectionsPerChild 0',
    "ScriptAlias /sum $dir/big/cgi/sum.pl",
    '<Location />', 'AuthType Digest', "AuthName \"$realm\"",
    "AuthCacheDigestUserFile $users", 'AuthCacheDigestAlgorithms SHA-256',
    'AuthCacheDigestQop auth-int', 'AuthCacheDigestMaxBody 67108864',
    'Require valid-user', '</Location>');
my ($up, $log) = side_ctl("$dir/big", 'start');
ok($up, 'side server with a 64 MiB auth-int limit started') or diag $log;
END { side_ctl("$dir/big", 'stop') if $up }

# raw HTTP/1.0 (no chunked answer) on a connection of its own: the body
# is streamed, never held here
sub request {
    my ($auth, $len, $chunk) = @_;
    my $s = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
    print $s "POST /sum HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n"
        . ($auth ? "Authorization: $auth\r\n" : '')
        . "Content-Type: application/octet-stream\r\nContent-Length: $len\r\n\r\n";
    local $SIG{PIPE} = 'IGNORE';
    for (my $sent = 0; $sent < $len; $sent += length $chunk) {
        my $part = $len - $sent < length $chunk ? substr($chunk, 0, $len - $sent) : $chunk;
        last unless print $s $part;
    }
    local $/;
    my $res = <$s> // '';
    my ($code) = $res =~ m{^HTTP/1\.1 (\d+)};
    my ($body) = $res =~ /\r\n\r\n(.*)\z/s;
    return ($code // 0, $body // '', $res);
}
sub challenge {
    my (undef, undef, $res) = request(undef, 0, 'x');
    my ($h) = $res =~ /^WWW-Authenticate: (Digest .*?)\r$/mi;
    my %c = $h =~ /(\w+)="?([^",]*)"?/g;
    return \%c;
}
# the peak RSS (high-water mark) of httpd's children, in kB, summed (one
# serves requests; under worker and event mod_cgid's daemon is another)
sub child_rss {
    my ($parent) = slurp("$dir/big/httpd.pid") =~ /(\d+)/;
    my $kb = 0;
    for my $child (split ' ', `pgrep -P $parent`) {
        $kb += $1 if slurp("/proc/$child/status") =~ /VmHWM:\s+(\d+)/;
    }
    return $kb;
}

my $block = join '', map { chr(($_ * 7) & 0xff) } 0 .. 65535;
my $mib = 1024 * 1024;

# a correct 10 MiB auth-int POST: the handler sees the body unchanged
my $len = 10 * $mib;
my $body = substr($block x ($len / length($block)), 0, $len);
my $c = challenge();
my $auth = digest_authorization(user => 'dora', password => 'D0ra-digest',
    uri => '/sum', method => 'POST', qop => 'auth-int', body => $body,
    challenge => { %$c, algorithm => 'SHA-256' });
my ($code, $out) = request($auth, $len, $block);
is($code, 200, '10 MiB auth-int POST with the right response: 200');
is($out, "$len " . sha256_hex($body) . "\n",
   '  the handler read the whole body, unchanged (from the spool file)');
undef $body;

# one byte changed in the body: the response no longer matches
$c = challenge();
my $small = 'a' x 100000;
$auth = digest_authorization(user => 'dora', password => 'D0ra-digest',
    uri => '/sum', method => 'POST', qop => 'auth-int', body => $small,
    challenge => { %$c, algorithm => 'SHA-256' });
($code) = request($auth, length($small), 'b' . ('a' x 99999));
is($code, 401, 'a body that differs from the one hashed: 401');
$c = challenge();
$auth = digest_authorization(user => 'dora', password => 'D0ra-digest',
    uri => '/sum', method => 'POST', qop => 'auth-int', body => $small,
    challenge => { %$c, algorithm => 'SHA-256' });
($code, $out) = request($auth, length($small), $small);
is($code, 200, '  the same body as hashed: 200');
is($out, length($small) . ' ' . sha256_hex($small) . "\n", '  read back unchanged');

# two 60 MiB POSTs with a wrong response (any nonce will do): memory
# stays bounded, the bodies went to a temporary file, not to the heap
my $before = child_rss();
for (1 .. 2) {
    $c = challenge();
    $auth = digest_authorization(user => 'dora', password => 'wrong',
        uri => '/sum', method => 'POST', qop => 'auth-int', body => '',
        challenge => { %$c, algorithm => 'SHA-256' });
    ($code) = request($auth, 60 * $mib, $block);
}
is($code, 401, '60 MiB auth-int POSTs with a wrong response: 401');
my $grown = child_rss() - $before;
cmp_ok($grown, '<', 16 * 1024, "  httpd's child grew by less than 16 MiB (${grown} kB)");
diag "child RSS before $before kB, after two 60 MiB bodies +$grown kB";

# an unknown user: refused before any of the body is read
$c = challenge();
$auth = digest_authorization(user => 'nobody-here', password => 'x',
    uri => '/sum', method => 'POST', qop => 'auth-int', body => '',
    challenge => { %$c, algorithm => 'SHA-256' });
my $t0 = time;
($code) = request($auth, 60 * $mib, $block);
is($code, 401, 'an unknown user with a 60 MiB body: 401');
like(slurp("$dir/big/error_log"), qr/unknown user nobody-here/, '  logged as unknown');

# past AuthCacheDigestMaxBody: 413
$c = challenge();
$auth = digest_authorization(user => 'dora', password => 'D0ra-digest',
    uri => '/sum', method => 'POST', qop => 'auth-int', body => '',
    challenge => { %$c, algorithm => 'SHA-256' });
($code) = request($auth, 64 * $mib + 1, $block);
is($code, 413, 'one byte over AuthCacheDigestMaxBody: 413');

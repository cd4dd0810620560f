# SPDX-License-Identifier: Apache-2.0
# A real PHP application behind mod_authcache (issue 11): php-fpm through
# mod_proxy_fcgi, configured by examples/stack-php-fpm.conf itself
# (DirectoryIndex index.php, <FilesMatch \.php$> SetHandler proxy:fcgi,
# the front-controller .htaccess and an ErrorDocument 401 page, in
# t/htdocs/php-app). php-fpm, not mod_php: mod_php runs only under the
# prefork MPM, and the suite runs under prefork, worker and event. The
# test starts its own php-fpm (its own config, a pool running as the
# test's user on a socket in the test's tree) and a side httpd with the
# example in three virtual hosts, Basic, NTLM and Digest, and logs on
# with curl and one more client each. The PHP page prints what php-fpm
# was told: user, AUTHCACHE_CACHED_CRED, AUTHCACHE_SOURCE, ...
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use AuthCacheTest;

my @paths = ('/app/', '/app/index.php', '/app/some/route');
plan tests => 13 * @paths + 6;

my $top = Apache::Test::vars('top_dir');
my $dir = Apache::Test::vars('serverroot') . '/stack-php';
system('rm', '-rf', $dir);
mkdir $dir or die "$dir: $!";

# php-fpm of our own, in the foreground, stopped at the end
my ($fpm) = grep { -x } glob('/usr/sbin/php-fpm*')
    or die 'php-fpm not installed (Debian: php8.2-fpm, build/deps.sh)';
open my $fh, '>', "$dir/php-fpm.conf" or die $!;
print $fh <<"EOC";
[global]
pid = $dir/php-fpm.pid
error_log = $dir/php-fpm.log
daemonize = no
[app]
listen = $dir/php-fpm.sock
listen.mode = 0600
pm = static
pm.max_children = 2
EOC
close $fh;
my $fpm_pid = spawn($fpm, '-n', '-y', "$dir/php-fpm.conf");
my ($url, $up);
END {
    local $?;
    side_ctl("$dir/httpd", 'stop') if $up;
    stop_spawned($fpm_pid);
}
wait_for(sub { -S "$dir/php-fpm.sock" })
    or die "php-fpm did not start:\n" . slurp("$dir/php-fpm.log");

# credentials: a Basic user per path and client (each first login is on
# a fresh cache), alice for NTLM, dora for Digest (realm "intranet")
my $pw = 'Php-basic-pw';
write_users('stack-php-users', map { ("pc$_" => $pw, "pl$_" => $pw) } 1 .. @paths);
write_ntlm_users(alice => 'Al1ce-ntlm', bob => 'B0b-ntlm');
write_digest_file('stack-php-digest', 'intranet', dora => 'D0ra-digest');

$url = stack_server("$dir/httpd", 'stack-php-fpm.conf', {
    '/var/www/app' => "$top/t/htdocs/php-app",
    '/run/php/php8.2-fpm.sock' => "$dir/php-fpm.sock",
    '/etc/apache2/intranet.htpasswd' => users_file('stack-php-users'),
    '/etc/apache2/ntlm-users' => users_file('ntlm-users'),
    '/etc/apache2/digest-users' => users_file('stack-php-digest'),
});
$up = 1;

my @r;
stack_logons(url => $url, app => 'php', paths => \@paths, basic => ['p', $pw]);

# the ErrorDocument 401 page, with the scheme's challenge intact
my $ua = LWP::UserAgent->new;
sub refused {
    my $res = shift;
    return join ' ', $res->code,
        ($res->decoded_content =~ /authcache-401-page/ ? 'page' : 'no-page');
}
my $res = $ua->get("$url->{basic}/app/", Authorization => 'Basic ' . encode_base64("pc1:wrong", ''));
is(refused($res) . ' ' . ($res->header('WWW-Authenticate') // '-'),
   '401 page Basic realm="Intranet"', 'Basic, wrong password: the 401 page and the challenge');
$res = $ua->get("$url->{ntlm}/app/index.php");
is(refused($res) . ' ' . ($res->header('WWW-Authenticate') // '-'),
   '401 page NTLM', 'NTLM, no credentials: the 401 page and the challenge');
$res = $ua->get("$url->{digest}/app/some/route");
my @ch = digest_challenges($res);
is(refused($res) . ' ' . join(',', map { $_->{algorithm} } @ch)
   . ' opaques=' . scalar(keys %{{ map { $_->{opaque} => 1 } @ch }}),
   '401 page SHA-256,MD5 opaques=1', 'Digest, no credentials: the 401 page and one set of challenges');
@r = curl_pages(['--ntlm', '-u', 'alice:wrong'], "$url->{ntlm}/app/");
is($r[0]{code} . ' ' . ($r[0]{body} =~ /authcache-401-page/ ? 'page' : 'no-page'),
   '401 page', 'NTLM, wrong password: 401 and the page');
@r = curl_pages(['--digest', '-u', 'dora:wrong'], "$url->{digest}/app/");
is($r[0]{code}, 401, 'Digest, wrong password: 401');

# the PHP source is never served: .php always goes to php-fpm
@r = curl_pages(['-u', "pc1:$pw"], "$url->{basic}/app/index.php");
unlike($r[0]{body}, qr/<\?php/, 'index.php is run, not shown');

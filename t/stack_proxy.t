# SPDX-License-Identifier: Apache-2.0
# mod_authcache in front of an application server (issue 11): a side
# httpd runs examples/stack-proxy.conf, ProxyPass to t/bin/app-server
# (started here on a free loopback port), which answers with the user
# and AUTHCACHE_* values it received as request headers (RequestHeader
# set X-Remote-User "expr=%{REMOTE_USER}", ...). The example in three
# virtual hosts, Basic, NTLM and Digest; curl and one more client each,
# on the first and the next request of a keep-alive connection.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use IO::Socket::INET ();
use LWP::UserAgent ();
use lib 't/lib';
use AuthCacheTest;

my @paths = ('/api/', '/api/some/route');
plan tests => 13 * @paths + 5;

my $top = Apache::Test::vars('top_dir');
my $dir = Apache::Test::vars('serverroot') . '/stack-proxy';
system('rm', '-rf', $dir);
mkdir $dir or die "$dir: $!";

my $port = free_port();
my $app = spawn('/usr/bin/python3', "$top/t/bin/app-server", $port);
my ($url, $up);
END {
    local $?;
    side_ctl("$dir/httpd", 'stop') if $up;
    stop_spawned($app);
}
wait_for(sub { IO::Socket::INET->new("127.0.0.1:$port") })
    or die 'the app server did not start';

my $pw = 'Proxy-basic-pw';
write_users('stack-proxy-users', map { ("xc$_" => $pw, "xl$_" => $pw) } 1 .. @paths);
write_ntlm_users(alice => 'Al1ce-ntlm', bob => 'B0b-ntlm');
write_digest_file('stack-proxy-digest', 'intranet', dora => 'D0ra-digest');

$url = stack_server("$dir/httpd", 'stack-proxy.conf', {
    'http://127.0.0.1:8000/' => "http://127.0.0.1:$port/",
    '/etc/apache2/intranet.htpasswd' => users_file('stack-proxy-users'),
    '/etc/apache2/ntlm-users' => users_file('ntlm-users'),
    '/etc/apache2/digest-users' => users_file('stack-proxy-digest'),
});
$up = 1;

my @r;
stack_logons(url => $url, app => 'backend', paths => \@paths, basic => ['x', $pw]);

# the application never sees the client's credentials, and a user name
# a client sends in the trusted header is replaced (one thing changed:
# the forged header)
@r = curl_pages(['--ntlm', '-u', 'alice:Al1ce-ntlm'], "$url->{ntlm}/api/", "$url->{ntlm}/api/");
is(join(' ', map { page_vars($_->{body})->{AUTHORIZATION} // '-' } @r), ' ',
   'NTLM: no Authorization header reached the application');
@r = curl_pages(['-u', "xc1:$pw", '-H', 'X-Remote-User: EXAMPLE\\admin'], "$url->{basic}/api/");
is(page_vars($r[0]{body})->{REMOTE_USER}, 'xc1', 'Basic: a forged X-Remote-User is replaced by the real user');
is(page_vars($r[0]{body})->{AUTHORIZATION}, '', 'Basic: no Authorization header reached the application');
@r = curl_pages(['-H', 'X-Remote-User: EXAMPLE\\admin'], "$url->{ntlm}/api/");
is($r[0]{code}, 401, 'NTLM: a forged X-Remote-User alone gets 401');
@r = curl_pages(['-u', 'xc1:wrong'], "$url->{basic}/api/");
is($r[0]{code}, 401, 'Basic: wrong password, 401');

# SPDX-License-Identifier: Apache-2.0
# mod_authcache in front of CGI programs (issue 11): a side httpd runs
# examples/stack-cgi.conf (ScriptAlias, a DirectoryIndex that is a
# script, an Action handler for *.report documents) with t/cgi-bin/app.pl
# as the program and t/htdocs/cgi-app as the documents, in three virtual
# hosts, Basic, NTLM and Digest; curl and one more client each, on the
# first and the next request of a keep-alive connection.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use lib 't/lib';
use AuthCacheTest;

my @paths = ('/intranet/', '/intranet/cgi-bin/app.pl',
             '/intranet/cgi-bin/app.pl/some/path', '/intranet/doc.report');
plan tests => 13 * @paths + 2;

my $top = Apache::Test::vars('top_dir');
my $dir = Apache::Test::vars('serverroot') . '/stack-cgi';
system('rm', '-rf', $dir);
mkdir $dir or die "$dir: $!";
my ($url, $up);
END {
    local $?;
    side_ctl("$dir/httpd", 'stop') if $up;
}

my $pw = 'Cgi-basic-pw';
write_users('stack-cgi-users', map { ("gc$_" => $pw, "gl$_" => $pw) } 1 .. @paths);
write_ntlm_users(alice => 'Al1ce-ntlm', bob => 'B0b-ntlm');
write_digest_file('stack-cgi-digest', 'intranet', dora => 'D0ra-digest');

$url = stack_server("$dir/httpd", 'stack-cgi.conf', {
    '/usr/lib/cgi-bin/intranet' => "$top/t/cgi-bin",
    '/var/www/intranet' => "$top/t/htdocs/cgi-app",
    '/etc/apache2/intranet.htpasswd' => users_file('stack-cgi-users'),
    '/etc/apache2/ntlm-users' => users_file('ntlm-users'),
    '/etc/apache2/digest-users' => users_file('stack-cgi-digest'),
});
$up = 1;

stack_logons(url => $url, app => 'cgi', paths => \@paths, basic => ['g', $pw]);

# one thing changed each: the wrong password
my @r = curl_pages(['-u', 'gc1:wrong'], "$url->{basic}/intranet/doc.report");
is($r[0]{code}, 401, 'Basic, wrong password: 401');
@r = curl_pages(['--ntlm', '-u', 'alice:wrong'], "$url->{ntlm}/intranet/doc.report");
is($r[0]{code}, 401, 'NTLM, wrong password: 401');

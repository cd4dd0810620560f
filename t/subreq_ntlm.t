# SPDX-License-Identifier: Apache-2.0
# NTLM through subrequests and internal redirects (issue 11): httpd looks
# at the request again, with another per-directory configuration, while
# the Authorization header is still the AUTHENTICATE that completed the
# handshake. Authentication must run once per client request: the
# subrequest or redirect reuses the main request's result, the
# application sees the right user and flags, and the next request on the
# connection needs no header. Clients: curl --ntlm and python
# requests-ntlm. The shapes are in t/conf/extra.conf.in (/sr-ntlm).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use lib 't/lib';
use AuthCacheTest;

my @shapes = subreq_shapes('/sr-ntlm');
plan tests => 5 * @shapes + 6;

write_ntlm_users(alice => 'Al1ce-ntlm', bob => 'B0b-ntlm');
{   # another authority under inc/other: bob only
    my $top = Apache::Test::vars('top_dir');
    system("$top/tools/htntlm", '-c', '-b', users_file('ntlm-users-other'),
           'EXAMPLE', 'bob', 'B0b-ntlm') == 0 or die 'htntlm';
}
my @alice = ('--ntlm', '-u', 'alice:Al1ce-ntlm');
sub want {
    my ($code, $cached, $uri) = @_;
    return "$code cgi user=EXAMPLE\\alice cached=$cached "
         . "source=ntlm-connection as=alice|EXAMPLE uri=$uri";
}
my (@r, $d);

# curl: each shape on a new connection, twice
for my $s (@shapes) {
    my ($name, $path, $code) = @$s;
    $d = counter_delta(sub { @r = curl_pages(\@alice, $path, $path) });
    is(page_summary($r[0]), want($code, 0, $path),
       "curl, $name: the request that completes the handshake");
    is(page_summary($r[1] // {}), want($code, 1, $path),
       "curl, $name: the next request, from the connection's credential");
    is("$d->{ntlm_logons} logon, $d->{ntlm_cache_hits} hit, "
       . ($r[1]{connects} // '?') . ' new connections',
       '1 logon, 1 hit, 0 new connections',
       "curl, $name: authentication ran once per request");
}

# python requests-ntlm: the same, each shape in a session of its own
@r = py_pages('ntlm', 'EXAMPLE\\alice', 'Al1ce-ntlm', 2, map { $_->[1] } @shapes);
for my $s (@shapes) {
    my ($name, $path, $code) = @$s;
    my ($first, $next) = splice @r, 0, 2;
    is(page_summary($first // {}), want($code, 0, $path),
       "requests-ntlm, $name: the request that completes the handshake");
    is(page_summary($next // {}) . ' header=' . ($next->{sent_auth} // '?'),
       want($code, 1, $path) . ' header=0',
       "requests-ntlm, $name: the next request, no header, from the cache");
}

# the page that includes sees the same as the included script
@r = curl_pages(\@alice, '/sr-ntlm/inc/page.shtml', '/sr-ntlm/inc/page.shtml');
is(join(' ', map { my $v = page_vars($_->{body});
                   "$v->{'page.REMOTE_USER'}/$v->{'page.AUTHCACHE_CACHED_CRED'}" } @r),
   'EXAMPLE\\alice/0 EXAMPLE\\alice/1', 'mod_include: the including page saw the same user and flag');

# one thing changed: the wrong password
@r = curl_pages(['--ntlm', '-u', 'alice:wrong'], '/sr-ntlm/idx/');
is($r[0]{code}, 401, 'wrong password: 401');

# another authority inside the request: a subrequest into a section
# with another user file never carries alice's logon there, neither on
# the handshake's request nor from the connection's credential
@r = curl_pages(\@alice, '/sr-ntlm/inc/other.shtml', '/sr-ntlm/inc/other.shtml');
for my $i (0, 1) {
    my $v = page_vars($r[$i]{body});
    is(($r[$i]{code} // '?') . " page=" . ($v->{'page.REMOTE_USER'} // '-'),
       '200 page=EXAMPLE\\alice', "other authority, request $i: the page itself is alice's");
    is(($v->{app} // 'none') . ' ' . (($r[$i]{body} // '') =~ /an error occurred/ ? 'refused' : 'granted'),
       'none refused', "other authority, request $i: the include there is refused");
}

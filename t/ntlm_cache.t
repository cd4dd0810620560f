# SPDX-License-Identifier: Apache-2.0
# NTLM with the credential cached on the keep-alive connection, driven by
# curl --ntlm (libcurl's own NTLM code): cache hits, DisableNTLMCredential-
# Caching, proxy headers, AuthNTLMRejectCachedCredentials, an application
# 401, wrong password, unknown user, the keep-alive limit.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use lib 't/lib';
use AuthCacheTest;

plan tests => 43;

write_ntlm_users(alice => 'Al1ce-ntlm', bob => 'B0b-ntlm');
my @alice = ('-u', 'alice:Al1ce-ntlm');
my (@r, $d);

# two URLs, one connection: the second is served from the cache
$d = counter_delta(sub { @r = curl_ntlm(\@alice, '/ntlm/', '/ntlm/') });
is_deeply([map { $_->{code} } @r], [200, 200], 'both requests succeed');
is($r[0]{cached}, '0', 'the first is authenticated by a handshake');
is($r[1]{cached}, '1', 'the second is served from the cached credential');
is($r[1]{connects}, '0', 'on the same connection');
is($r[0]{user}, 'EXAMPLE\\alice', 'REMOTE_USER is DOMAIN\\user');
is($r[1]{user}, 'EXAMPLE\\alice', 'also from the cache');
is($r[1]{persistent}, 'true', 'Persistent-Auth: true');
is($d->{ntlm_logons}, 1, 'one authority call for two requests');
is($d->{ntlm_cache_hits}, 1, 'one cache hit');

# many requests on one connection, one logon
$d = counter_delta(sub { @r = curl_ntlm(\@alice, ('/ntlm/') x 10) });
is(scalar(grep { $_->{code} == 200 } @r), 10, 'ten requests succeed');
is($d->{ntlm_logons}, 1, 'with a single authority call');
is($d->{ntlm_cache_hits}, 9, 'nine served from the cache');

# DisableNTLMCredentialCaching On: a handshake per request
$d = counter_delta(sub { @r = curl_ntlm(\@alice, '/ntlm/nocache/', '/ntlm/nocache/') });
is_deeply([map { $_->{code} } @r], [200, 200], 'disabled: both succeed');
is_deeply([map { $_->{cached} } @r], ['0', '0'], 'disabled: neither from the cache');
is($d->{ntlm_logons}, 2, 'disabled: two handshakes');
is($r[1]{persistent}, 'false', 'disabled: Persistent-Auth: false');

# a disabled location discards what another location cached
$d = counter_delta(sub { @r = curl_ntlm(\@alice, '/ntlm/', '/ntlm/nocache/', '/ntlm/') });
is_deeply([map { $_->{code} } @r], [200, 200, 200], 'mixed: all succeed');
is_deeply([map { $_->{cached} } @r], ['0', '0', '0'],
          'mixed: the disabled location discarded the cached credential');

# requests through a proxy are never cached
for my $h ('Via: 1.1 proxy', 'Forwarded: for=192.0.2.1', 'X-Forwarded-For: 192.0.2.1') {
    $d = counter_delta(sub { @r = curl_ntlm([@alice, '-H', $h], '/ntlm/', '/ntlm/') });
    is_deeply([map { $_->{cached} } @r], ['0', '0'], "'$h': never from the cache");
    is($d->{ntlm_logons}, 2, "'$h': a handshake per request");
}
# and a proxied request does not use what a direct one cached
@r = curl_ntlm(\@alice, '/ntlm/', '--next', @alice, '-H', 'Via: 1.1 proxy',
               '/ntlm/');
is_deeply([map { $_->{code} } @r], [200, 200], 'direct then proxied: both succeed');
is($r[1]{cached}, '0', 'the proxied request did not use the cached credential');

# AuthNTLMRejectCachedCredentials On: 401, the client logs on again
$d = counter_delta(sub { @r = curl_ntlm(\@alice, '/ntlm/reject/', '/ntlm/reject/') });
is_deeply([map { $_->{code} } @r], [200, 200], 'reject: both succeed in the end');
is($r[1]{cached}, '0', 'reject: the second needed a new handshake');
is($d->{ntlm_rejected_cached}, 1, 'reject: the cached credential was rejected');
is($d->{ntlm_logons}, 2, 'reject: two logons');

# the application answers 401 to a cache-served request
$d = counter_delta(sub {
    @r = curl_ntlm(\@alice, '/ntlm-cgi/refuse-cached.pl', '/ntlm-cgi/refuse-cached.pl') });
is_deeply([map { $_->{code} } @r], [200, 200], 'application 401: both succeed in the end');
is($r[1]{cached}, '0', 'application 401: the client got the NTLM challenge and logged on again');
is($d->{ntlm_rejected_cached}, 1, 'application 401: counted');
is($d->{ntlm_logons}, 2, 'application 401: two logons');

# user formats
@r = curl_ntlm(\@alice, '/ntlm/upn/');
is($r[0]{user}, 'alice@EXAMPLE', 'AuthNTLMUserFormat upn');

# refusals
$d = counter_delta(sub { @r = curl_ntlm(['-u', 'alice:wrong'], '/ntlm/') });
is($r[0]{code}, 401, 'wrong password refused');
@r = curl_ntlm(['-u', 'mallory:x'], '/ntlm/');
is($r[0]{code}, 401, 'user not in the file refused');
@r = curl_ntlm(['-u', 'EXAMPLE2\\alice:Al1ce-ntlm'], '/ntlm/');
is($r[0]{code}, 401, 'user of another domain refused');
is($d->{ntlm_denials}, 1, 'denial counted');
@r = Apache::TestRequest::GET('/ntlm/');
is($r[0]->code, 401, 'no credentials: 401');
is($r[0]->header('WWW-Authenticate'), 'NTLM', 'with WWW-Authenticate: NTLM');

# the handshake survives MaxKeepAliveRequests 1
{
    my $port = vhost_port('ntlm_keepalive');
    @r = curl_ntlm(\@alice, "http://127.0.0.1:$port/ntlm/");
    is($r[0]{code}, 200, 'handshake completes at MaxKeepAliveRequests 1');
    is($r[0]{connects}, '1', 'on one connection');
}

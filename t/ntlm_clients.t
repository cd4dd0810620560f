# SPDX-License-Identifier: Apache-2.0
# NTLM with other independent clients: python3 requests-ntlm, LWP with
# Authen::NTLM, and two users one after the other on one connection.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use LWP::UserAgent ();
use Authen::NTLM qw(ntlmv2);
use lib 't/lib';
use AuthCacheTest;

plan tests => 23;

write_ntlm_users(alice => 'Al1ce-ntlm', bob => 'B0b-ntlm');
my $hp = Apache::TestRequest::hostport();
my $url = "http://$hp/ntlm/";
my (@r, $d);

# python3 requests-ntlm (ntlm-auth: NTLMv2 with a MIC)
$d = counter_delta(sub { @r = ntlm_client('session', $url, 'EXAMPLE\\alice', 'Al1ce-ntlm', 3) });
is_deeply([map { $_->{status} } @r], [200, 200, 200], 'requests-ntlm: three requests succeed');
is_deeply([map { $_->{cached} } @r], ['0', '1', '1'], 'requests-ntlm: then from the cache');
is_deeply([map { $_->{sent_auth} ? 1 : 0 } @r], [1, 0, 0],
          'requests-ntlm: no Authorization header after the logon');
is($d->{ntlm_logons}, 1, 'requests-ntlm: one authority call');

# two users, one after the other, on one connection
@r = ntlm_client('switch', $url, 'EXAMPLE\\alice', 'Al1ce-ntlm', 'EXAMPLE\\bob', 'B0b-ntlm');
is_deeply([map { $_->{status} } @r], [200, 200, 200, 200], 'switch: all succeed');
is_deeply([map { $_->{user} } @r],
          ['EXAMPLE\\alice', 'EXAMPLE\\alice', 'EXAMPLE\\bob', 'EXAMPLE\\bob'],
          'switch: the new handshake replaced alice by bob');
is_deeply([map { $_->{cached} } @r], ['0', '1', '0', '1'],
          'switch: each user cached after their own handshake');

# a captured AUTHENTICATE does not work on another connection, nor twice
@r = ntlm_client('replay', $url, 'EXAMPLE\\alice', 'Al1ce-ntlm');
is($r[0]{status}, 200, 'replay: the original logon succeeds');
is($r[1]{status}, 401, 'replay: the same AUTHENTICATE on another connection is refused');
is($r[2]{status}, 401, 'replay: and a second time on the first connection');

# LWP with Authen::NTLM in NTLMv2 mode. Authen::NTLM writes a non-empty
# domain in OEM although it negotiated Unicode (its bug), so it logs on
# with an empty domain and AuthNTLMDomain supplies EXAMPLE. It also packs
# its TimeStamp wrong (seconds, cut to 32 bits: some minutes after 1601),
# which the default AuthNTLMTimestampSkew refuses; /ntlm/lwp/ has it Off.
ntlmv2(1);
my $ua = LWP::UserAgent->new(keep_alive => 1);
$ua->credentials($hp, '', '\\bob', 'B0b-ntlm');
t_start_error_log_watch();
$d = counter_delta(sub { @r = ($ua->get($url)) });
my @lwp_log = t_finish_error_log_watch();
is($r[0]->code, 401, 'LWP: refused under the default timestamp check');
ok(scalar(grep { /logon of EXAMPLE\\+bob refused .*TimeStamp is stale/ } @lwp_log),
   'LWP: logged as a stale NTLMv2 timestamp') or diag "@lwp_log";
cmp_ok($d->{ntlm_refused_timestamp}, '>=', 1, 'LWP: counted as a timestamp refusal');
$url = "http://$hp/ntlm/lwp/";
$ua = LWP::UserAgent->new(keep_alive => 1);
$ua->credentials($hp, '', '\\bob', 'B0b-ntlm');
$d = counter_delta(sub { @r = map { $ua->get($url) } 1 .. 3 });
is_deeply([map { $_->code } @r], [200, 200, 200], 'LWP: three requests succeed');
is_deeply([map { $_->header('X-Cached') } @r], ['0', '1', '1'], 'LWP: then from the cache');
is($r[2]->header('X-User'), 'EXAMPLE\\bob', 'LWP: as EXAMPLE\\bob');
is($d->{ntlm_logons}, 1, 'LWP: one authority call');
$ua->credentials($hp, '', '\\bob', 'wrong');
is(LWP::UserAgent->new(keep_alive => 1)->get($url)->code, 401, 'LWP: no credentials, 401');

# HTTP/2: a stream is no connection to bind a credential to. The request
# is refused with HTTP_1_1_REQUIRED and curl retries it over HTTP/1.1.
t_start_error_log_watch();
@r = curl_ntlm(['--http2-prior-knowledge', '-u', 'alice:Al1ce-ntlm'], '/ntlm/');
my @log = t_finish_error_log_watch();
is($r[0]{code}, 200, 'HTTP/2: the logon succeeds in the end');
is($r[0]{version}, '1.1', 'HTTP/2: over HTTP/1.1, after HTTP_1_1_REQUIRED');
ok(scalar(grep { /NTLM needs HTTP\/1\.1/ } @log), 'HTTP/2: the refusal is logged');

# the handshake state expires (AuthNTLMHandshakeTimeout 1 there)
@r = ntlm_client('slow', "http://$hp/ntlm/slow/", 'EXAMPLE\\alice', 'Al1ce-ntlm', 0);
is($r[0]{status}, 200, 'a prompt answer to the challenge succeeds');
@r = ntlm_client('slow', "http://$hp/ntlm/slow/", 'EXAMPLE\\alice', 'Al1ce-ntlm', 2.5);
is($r[0]{status}, 401, 'an answer after the handshake timeout is refused');

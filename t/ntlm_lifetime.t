# SPDX-License-Identifier: Apache-2.0
# AuthNTLMCredentialLifetime: past it, a connection's cached NTLM
# credential is verified again by a transparent re-handshake (401
# WWW-Authenticate: NTLM on a request without a header); Off (the
# default, as IIS) keeps it for the connection's life.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use lib 't/lib';
use AuthCacheTest;

plan tests => 12;

write_ntlm_users(alice => 'Al1ce-ntlm');
my $base = 'http://' . Apache::TestRequest::hostport();
my (@r, $d);
my @logon = (do => 'logon', user => 'EXAMPLE\\alice', password => 'Al1ce-ntlm');

# /ntlm/lifetime: AuthNTLMCredentialLifetime 2
$d = counter_delta(sub {
    @r = ntlm_steps("$base/ntlm/lifetime/", [
        { @logon, path => '/ntlm/lifetime/' },
        { do => 'plain', path => '/ntlm/lifetime/' },
        { do => 'sleep', seconds => 3 },
        { do => 'plain', path => '/ntlm/lifetime/' },
        { @logon, path => '/ntlm/lifetime/' },
        { do => 'plain', path => '/ntlm/lifetime/' } ]);
});
is_deeply([map { $_->{status} } @r], [200, 200, 401, 200, 200],
          'lifetime 2 s: logon, cached, past it 401, logon, cached')
    or diag explain \@r;
is($r[1]{cached}, '1', '  served from the connection within its lifetime');
is($r[2]{www_authenticate}, 'NTLM', '  past it: 401 WWW-Authenticate: NTLM');
is($r[4]{cached}, '1', '  the new logon serves again');
is($d->{ntlm_lifetime_expired}, 1, '  counted as ntlm_lifetime_expired');
is($d->{ntlm_logons}, 2, '  two authority calls: the credential was verified again');

# the default (Off): the credential serves for the connection's life
@r = ntlm_steps("$base/ntlm/", [
    { @logon, path => '/ntlm/' },
    { do => 'sleep', seconds => 3 },
    { do => 'plain', path => '/ntlm/' } ]);
is_deeply([map { $_->{status} } @r], [200, 200], 'default Off: still served after 3 s');
is($r[1]{cached}, '1', '  from the cache');

# python requests-ntlm re-handshakes by itself, on the same session
$d = counter_delta(sub {
    @r = ntlm_client('session', "$base/ntlm/lifetime/", 'EXAMPLE\\alice',
                     'Al1ce-ntlm', 3, 1.4);
});
is_deeply([map { $_->{status} } @r], [200, 200, 200],
          'requests-ntlm, 1.4 s apart: every request succeeds');
is_deeply([map { $_->{cached} } @r], ['0', '1', '0'],
          '  the third after a transparent re-handshake');
is_deeply([map { $_->{sent_auth} ? 1 : 0 } @r], [1, 0, 1],
          '  which the client did by itself');
is($d->{ntlm_logons}, 2, '  two logons');

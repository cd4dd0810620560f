# SPDX-License-Identifier: Apache-2.0
# Bad configuration stops httpd at startup with a message naming the
# directive at fault; good configuration of the same directives passes.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use lib 't/lib';
use AuthCacheTest;

my $dir = tempdir(CLEANUP => 1);

sub try_conf {   # (ok, output) of httpd -t or of a real start
    my ($mode, @lines) = @_;
    my $root = "$dir/" . free_port();   # a fresh ServerRoot each time
    side_conf($root, @lines);
    my ($ok, $out) = side_ctl($root, $mode);
    side_ctl($root, 'stop') if $ok && $mode eq 'start';
    return ($ok, $out);
}

my $loc = sub { ('<Location /x>', 'AuthType Basic', 'AuthName x',
                 'AuthBasicProvider authcache', @_, '</Location>') };

my @bad = (
    [[$loc->('AuthCacheProvider nosuch')],
     qr/AuthCacheProvider: unknown authn provider 'nosuch'/],
    [[$loc->('AuthCacheProvider authcache')],
     qr/AuthCacheProvider: 'authcache' cannot wrap itself/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheBasicTTL -1')],
     qr/AuthCacheBasicTTL: '-1' is not a number of seconds/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheBasicTTL 15m')],
     qr/AuthCacheBasicTTL: '15m' is not a number of seconds/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheBasicTTL 99999999')],
     qr/AuthCacheBasicTTL: '99999999'/],
    [[$loc->('AuthNTLMHandshakeTimeout 0')],
     qr/AuthNTLMHandshakeTimeout: '0' is not a number of seconds from 1 to 600/],
    [[$loc->('AuthNTLMProvider nosuch')],
     qr/AuthNTLMProvider: unknown NTLM authority 'nosuch'/],
    [[$loc->('AuthNTLMDomain EXAMPLE.TEST')],
     qr/AuthNTLMDomain: 'EXAMPLE.TEST' is not a NetBIOS domain name/],
    [[$loc->('AuthNTLMUserFormat email')],
     qr/AuthNTLMUserFormat: 'email' is not one of down-level/],
    [[$loc->('DisableNTLMCredentialCaching maybe')],
     qr/DisableNTLMCredentialCaching must be On or Off/],
    [[$loc->('AuthNTLMChannelBinding Maybe')],
     qr/AuthNTLMChannelBinding: 'Maybe' is not Off, Allow or Require/],
    [[$loc->('AuthNTLMServicePrincipalNames www.example.com')],
     qr/AuthNTLMServicePrincipalNames: 'www.example.com' is not a service principal name/],
    [[$loc->('AuthNegotiateServicePrincipal www.example.com')],
     qr/AuthNegotiateServicePrincipal: 'www.example.com' is not service\/host\[\@REALM\] or Any/],
    [[$loc->('DisableKerberosCredentialCaching maybe')],
     qr/DisableKerberosCredentialCaching must be On or Off/],
    [[$loc->('AuthNTLMServicePrincipalNames HTTP/')],
     qr/AuthNTLMServicePrincipalNames: 'HTTP\/' is not a service principal name/],
    [[$loc->('AuthNTLMTimestampSkew 0')],
     qr/AuthNTLMTimestampSkew: '0' is not a number of seconds from 1 to 129600, or Off/],
    [[$loc->('AuthNTLMTimestampSkew 5m')],
     qr/AuthNTLMTimestampSkew: '5m' is not a number of seconds/],
    [[$loc->('AuthNTLMRequireMIC yes')],
     qr/AuthNTLMRequireMIC must be On or Off/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheDefaultDomain EX\\AMPLE')],
     qr/AuthCacheDefaultDomain: give a bare domain name/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheContext ""')],
     qr/AuthCacheContext/],   # httpd's own "takes one argument"
    [['AuthCacheSOCache nosuch'],
     qr/AuthCacheSOCache: unknown socache provider 'nosuch'/],
    [[$loc->('AuthCacheProvider file', 'AuthCacheSOCache shmcb')],
     qr/AuthCacheSOCache not allowed in <Location> context/],
    [['AuthCacheSOCache authcache:(1000)'],
     qr/AuthCacheSOCache: size 1000 in '\(1000\)' is below the minimum/],
    [['AuthCacheSOCache authcache:(12x)'],
     qr/AuthCacheSOCache: size '12x' in '\(12x\)' is not a number/],
    [['AuthCacheSOCache authcache:(65536'],
     qr/AuthCacheSOCache: no '\)' after the size/],
    [['<VirtualHost *:80>', 'AuthCacheSecretFile /x', '</VirtualHost>'],
     qr/AuthCacheSecretFile cannot occur within <VirtualHost> section/],
);

plan tests => 2 * @bad + 6;

for my $b (@bad) {
    my ($lines, $want) = @$b;
    my ($ok, $out) = try_conf('test', @$lines);
    ok(!$ok, 'refused: ' . join ' ', grep { /AuthCache|NTLM/ } @$lines);
    like($out, $want, '  and the message names the directive') or diag $out;
}

my ($ok, $out) = try_conf('test', $loc->('AuthCacheProvider file',
    'AuthCacheBasicTTL 0', 'AuthCacheDefaultDomain EXAMPLE',
    'AuthCacheContext team'), $loc->('AuthType NTLM',
    'AuthNTLMUserFile /dev/null', 'AuthNTLMDomain EX', 'AuthNTLMProvider file',
    'DisableNTLMCredentialCaching On', 'AuthNTLMProxyHeaders Via X-Real-IP',
    'AuthNTLMRejectCachedCredentials On', 'AuthNTLMUserFormat upn',
    'AuthNTLMHandshakeTimeout 30', 'AuthNTLMChannelBinding Require',
    'AuthNTLMServicePrincipalNames HTTP/www.example.com HTTP/*.example.com:8443',
    'AuthNTLMTimestampSkew 600', 'AuthNTLMRequireMIC On'),
    $loc->('AuthType Negotiate', 'AuthNegotiateKeytab /dev/null',
           'AuthNegotiateServicePrincipal HTTP/www.example.com@EXAMPLE.COM',
           'DisableKerberosCredentialCaching On', 'AuthNegotiateOfferNTLM On'),
    $loc->('AuthType Negotiate', 'AuthNegotiateServicePrincipal Any'),
    $loc->('AuthType NTLM', 'AuthNTLMServicePrincipalNames Any',
           'AuthNTLMTimestampSkew Off', 'AuthNTLMChannelBinding Off'),
    'AuthCacheSOCache shmcb:x(65536)');
ok($ok, 'valid use of every directive passes') or diag $out;

# the secret file is read at startup (post_config): start real servers
open my $fh, '>', "$dir/short.secret" or die; print $fh "too short"; close $fh;
open $fh, '>', "$dir/good.secret" or die; print $fh 'k' x 48; close $fh;
chmod 0600, "$dir/short.secret", "$dir/good.secret";
sub start_with_secret {
    try_conf('start', 'Listen 127.0.0.1:' . free_port(),
             $loc->('AuthCacheProvider file'), "AuthCacheSecretFile $dir/" . shift);
}
($ok, $out) = start_with_secret('short.secret');
ok(!$ok, 'a secret file under 32 bytes stops startup');
like($out, qr/AuthCacheSecretFile: \S+short.secret holds 9 bytes; it needs at least 32/,
     '  and says so') or diag $out;
($ok, $out) = start_with_secret('missing.secret');
like($out, qr/AuthCacheSecretFile: cannot read \S+missing.secret/,
     'a missing secret file is named') or diag $out;
($ok, $out) = start_with_secret('good.secret');
ok($ok, 'a good secret file starts') or diag $out;
unlike($out, qr/world-readable/, '  without a warning when it is private');

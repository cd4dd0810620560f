# SPDX-License-Identifier: Apache-2.0
# NTLM behind a real reverse proxy (issue 10): a front httpd (mod_proxy,
# mod_proxy_http, one process with one thread, so one pooled backend
# connection) in front of NTLM backends. alice logs on through the
# proxy; then another client, on a fresh connection to the proxy, is
# carried over the same backend connection and must not be served as
# alice. Four setups:
#   default   the proxy adds X-Forwarded-For (today's header check)
#   declared  ProxyAddHeaders Off; the backend names the proxy in
#             AuthNTLMProxyAddresses
#   remoteip  mod_remoteip on the backend consumes X-Forwarded-For before
#             the module runs: the header as the client sent it counts
#   realip    mod_remoteip takes X-Real-IP (not a proxy header the module
#             knows): the client address that differs from the
#             connection's peer counts
# On loopback every 127/8 address is local: clients bind 127.0.0.2 and
# up, so a client's address and the proxy's (127.0.0.1) differ.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use lib 't/lib';
use AuthCacheTest;

plan tests => 4 * 8 + 10;

my $dir = tempdir(CLEANUP => 1);
my $users = write_ntlm_file('px-ntlm', alice => 'Alice-px');
my (%port, %taken);
for my $name (qw(b_default b_remoteip b_realip b_declared b_cidr
                 f_default f_remoteip f_realip f_declared)) {
    my $p;
    do { $p = free_port() } while $taken{$p}++;   # nine distinct ports
    $port{$name} = $p;
}

# a backend vhost: NTLM at /px/, a log of each request's connection
sub backend_vhost {
    my ($name, @extra) = @_;
    return ("Listen 127.0.0.1:$port{$name}", "<VirtualHost 127.0.0.1:$port{$name}>",
        @extra, "CustomLog $dir/$name.log \"%{remote}p %{c}a %a %>s [%{X-Forwarded-For}i] %u\"",
        '<Location /px>', 'AuthType NTLM', "AuthNTLMUserFile $users",
        'AuthNTLMDomain EXAMPLE', 'Require valid-user',
        'Header always set X-Cached "expr=%{env:AUTHCACHE_CACHED_CRED}"',
        'Header always set X-User "expr=%{REMOTE_USER}"', '</Location>',
        '</VirtualHost>');
}
# KeepAliveTimeout: the pooled connection must outlive a slow test step
my @backend_common = ('KeepAliveTimeout 30', 'MaxKeepAliveRequests 0');
side_conf("$dir/backend", @backend_common,
    backend_vhost('b_default'),
    backend_vhost('b_remoteip', 'RemoteIPHeader X-Forwarded-For',
                  'RemoteIPInternalProxy 127.0.0.1'),
    backend_vhost('b_realip', 'RemoteIPHeader X-Real-IP',
                  'RemoteIPInternalProxy 127.0.0.1'));
# the new directive on a server of its own, so the other setups do not
# depend on it
side_conf("$dir/declared", @backend_common,
    backend_vhost('b_declared', 'AuthNTLMProxyAddresses 127.0.0.1 10.0.0.0/8 ::1'),
    backend_vhost('b_cidr', 'AuthNTLMProxyAddresses 127.0.0.4/30'));
side_pages("$dir/$_/htdocs", 'px') for qw(backend declared);

# the front: one process, one thread, so each backend has one pooled
# connection that every client's requests share
sub front_vhost {
    my ($name, $backend, @extra) = @_;
    return ("Listen 127.0.0.1:$port{$name}", "<VirtualHost 127.0.0.1:$port{$name}>",
        @extra, "ProxyPass /px/ http://127.0.0.1:$port{$backend}/px/ keepalive=On",
        "CustomLog $dir/$name.log \"%{proxy-source-port}n %a %>s\"",
        '</VirtualHost>');
}
side_conf("$dir/front",
    '<IfModule mpm_prefork_module>', 'StartServers 1', 'MinSpareServers 1',
    'MaxSpareServers 1', 'ServerLimit 1', 'MaxRequestWorkers 1', '</IfModule>',
    '<IfModule !mpm_prefork_module>', 'StartServers 1', 'ServerLimit 1',
    'ThreadLimit 1', 'ThreadsPerChild 1', 'MinSpareThreads 1',
    'MaxSpareThreads 1', 'MaxRequestWorkers 1', '</IfModule>',
    front_vhost('f_default', 'b_default'),
    front_vhost('f_remoteip', 'b_remoteip'),
    front_vhost('f_realip', 'b_realip', 'ProxyAddHeaders Off',
                'RequestHeader set X-Real-IP "expr=%{REMOTE_ADDR}"'),
    front_vhost('f_declared', 'b_declared', 'ProxyAddHeaders Off'));

my ($ok, $out) = side_ctl("$dir/backend", 'start');
ok($ok, 'backends started') or diag $out;
($ok, $out) = side_ctl("$dir/declared", 'start');
ok($ok, 'the backend with AuthNTLMProxyAddresses started') or diag $out;
($ok, $out) = side_ctl("$dir/front", 'start');
ok($ok, 'front proxy started') or diag $out;

sub log_lines { my $f = "$dir/$_[0].log"; map { [split / /] } split /\n/, slurp($f) }

# [setup, alice's source address, the other client's]
my @setups = (['default', '127.0.0.2', '127.0.0.3'],
              ['declared', '127.0.0.2', '127.0.0.3'],
              # the client's address is the proxy's: only the header
              # check can tell
              ['remoteip', '127.0.0.1', '127.0.0.1'],
              ['realip', '127.0.0.2', '127.0.0.3']);
for my $s (@setups) {
    my ($name, $alice_from, $other_from) = @$s;
    my $url = "http://127.0.0.1:$port{\"f_$name\"}/px/";
    my @r = curl_ntlm(['-u', 'alice:Alice-px', '--interface', $alice_from], $url, $url);
    is(join(' ', map { "$_->{code}/$_->{user}" } @r),
       '200/EXAMPLE\\alice 200/EXAMPLE\\alice', "$name: alice logs on through the proxy");
    isnt($r[1]{cached}, '1', "$name: her next request is not served from a cached credential");
    @r = curl_ntlm(['--interface', $other_from], $url);
    is($r[0]{code}, 401, "$name: another client, fresh connection to the proxy, no credentials: 401");
    unlike($r[0]{user}, qr/alice/, "$name: not served as alice");
    @r = curl_ntlm(['--interface', $other_from], $url);
    is($r[0]{code}, 401, "$name: and again");

    # the premise: one backend connection carried all of it (the front
    # logs the local port of the backend connection of each request)
    my @log = log_lines("b_$name");
    ok(@log >= 5, "$name: the backend saw alice's handshake and the other client's requests")
        or diag slurp("$dir/b_$name.log");
    my %conns = map { $_->[0] => 1 } log_lines("f_$name");
    ok(keys %conns == 1 && !grep({ !/^[1-9]\d*$/ } keys %conns),
       "$name: over one backend connection") or diag slurp("$dir/f_$name.log");
    if ($name eq 'remoteip') {
        ok(@log && !grep({ $_->[4] ne '[-]' } @log), "$name: mod_remoteip removed X-Forwarded-For before the module saw it")
            or diag slurp("$dir/b_$name.log");
    }
    elsif ($name eq 'realip') {
        ok(@log && !grep({ $_->[1] ne '127.0.0.1' || $_->[2] eq '127.0.0.1' } @log),
           "$name: mod_remoteip set each client's address; the connection's peer is the proxy")
            or diag slurp("$dir/b_$name.log");
    }
    elsif ($name eq 'declared') {
        ok(@log && !grep({ $_->[4] ne '[-]' } @log), "$name: the proxy added no headers")
            or diag slurp("$dir/b_$name.log");
    }
    else {
        ok(@log && !grep({ $_->[4] eq '[-]' } @log), "$name: the proxy added X-Forwarded-For")
            or diag slurp("$dir/b_$name.log");
    }
}

# AuthNTLMProxyAddresses by itself, without a proxy: direct clients from
# a declared address are never cached, others are
sub direct {   # (backend, source address): "code/cached code/cached"
    my ($b, $from) = @_;
    my $url = "http://127.0.0.1:$port{$b}/px/";
    return join ' ', map { "$_->{code}/" . ($_->{cached} eq '1' ? 1 : 0) }
        curl_ntlm(['-u', 'alice:Alice-px', '--interface', $from], $url, $url);
}
is(direct('b_declared', '127.0.0.2'), '200/0 200/1',
   'AuthNTLMProxyAddresses 127.0.0.1: a client from 127.0.0.2 is cached');
is(direct('b_declared', '127.0.0.1'), '200/0 200/0',
   '  a client from 127.0.0.1 is not, without any proxy header');
is(direct('b_cidr', '127.0.0.5'), '200/0 200/0',
   'AuthNTLMProxyAddresses 127.0.0.4/30: 127.0.0.5 is not cached');
is(direct('b_cidr', '127.0.0.2'), '200/0 200/1', '  127.0.0.2 is');

ok((side_ctl("$dir/front", 'stop'))[0], 'front stopped');
ok((side_ctl("$dir/declared", 'stop'))[0], 'backend stopped');
ok((side_ctl("$dir/backend", 'stop'))[0], 'backends stopped');

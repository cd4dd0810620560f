# SPDX-License-Identifier: Apache-2.0
# What applications see: CGI environment, mod_headers, mod_log_config,
# and the optional function called from another module.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use AuthCacheTest;

plan tests => 13;

write_users('users-a', cora => 'Cora-pass1', 'EXAMPLE\\dave' => 'Dave-pass1');
my $res;

$res = basic_get('/acgi/env.pl', 'cora', 'Cora-pass1');
is($res->code, 200, 'CGI runs');
like($res->content, qr/^AUTHCACHE_CACHED_CRED=0$/m, 'CGI sees flag 0 on a miss');
$res = basic_get('/acgi/env.pl', 'cora', 'Cora-pass1');
my %env = $res->content =~ /^(\w+)=(.*)$/mg;
is($env{AUTHCACHE_CACHED_CRED}, '1', 'CGI sees flag 1 on a hit');
is($env{AUTHCACHE_SOURCE}, 'basic-token', 'CGI sees the source');
is("$env{AUTHCACHE_DOMAIN}\\$env{AUTHCACHE_USER}", 'EXAMPLE\\cora',
   'CGI sees domain and user');

# the optional function, from mod_authcache_probe
$res = basic_get('/probe', 'EXAMPLE\\dave', 'Dave-pass1');
is($res->content, "cached=0 source=basic-token user=dave domain=EXAMPLE\n",
   'optional function on a miss');
$res = basic_get('/probe', 'EXAMPLE\\dave', 'Dave-pass1');
is($res->content, "cached=1 source=basic-token user=dave domain=EXAMPLE\n",
   'optional function on a hit');

# mod_log_config: %{...}e and %{...}n
my @lines;
for (1 .. 20) {   # the log line is written after the response
    @lines = grep { m{^EXAMPLE\\\\dave .* /probe$} } authcache_log_lines();
    last if @lines >= 2;
    select undef, undef, undef, 0.1;
}
like($lines[-2] // '', qr/cached=0 source=basic-token domain=EXAMPLE/,
     'access log shows the miss');
like($lines[-1] // '', qr/cached=1 source=basic-token domain=EXAMPLE/,
     'access log shows the hit');

# a request authenticated by httpd's own Basic provider, after ours served
# the same user: the application sees nothing of mod_authcache
$res = basic_get('/plain-cgi/env.pl', 'cora', 'Cora-pass1');
is($res->code . ' ' . join(',', $res->content =~ /^(AUTHCACHE_\w+)=/mg),
   '200 ', 'a login mod_authcache did not check carries no AUTHCACHE_ variables');
# variables of ours set before the logon (SetEnvIf): the logon's user
# replaces the preset one, and a group list it does not carry is not left
# behind for the application (the file provider gives no groups)
$res = basic_get('/basic/', 'cora', 'Cora-pass1');
is($res->header('X-Env'), 'cora/(null)', 'no preset: the logon\'s variables');
$res = basic_get('/basic/', 'cora', 'Cora-pass1', 'X-Preset' => 'yes');
is($res->header('X-Env'), 'cora/(null)',
   'preset AUTHCACHE_USER replaced, preset AUTHCACHE_GROUPS dropped');
$res = basic_get('/basic/', 'cora', 'wrong');
unlike($res->header('X-Cached') // '', qr/^[01]$/, 'no flag on a refused login');

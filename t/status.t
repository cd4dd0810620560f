# The authcache-status handler: HTML and JSON.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use JSON::PP ();
use lib 't/lib';
use AuthCacheTest;

plan tests => 12;

write_users('users-a', stan => 'Stan-pass1');
basic_get('/basic/', 'stan', 'Stan-pass1') for 1 .. 2;

my $res = Apache::TestRequest::GET('/authcache-status');
is($res->code, 200, 'HTML status page');
like($res->header('Content-Type'), qr{^text/html}, 'as text/html');
like($res->content, qr{<table.*basic_hits</td><td>\d+}s, 'lists the counters');
like($res->content, qr{authcache:\(2097152\)}, 'names the store');
like($res->content, qr{<th>current entries</th><td>[1-9]\d*</td>}s,
     "with the store's own figures (entries held)");
like($res->content, qr{<th>retrieves: hit</th><td>\d+</td>}s, '  and its hits');
is($res->header('Cache-Control'), 'no-store', 'not cacheable');

$res = Apache::TestRequest::GET('/authcache-status?json');
like($res->header('Content-Type'), qr{^application/json}, 'JSON status');
my $j = eval { JSON::PP::decode_json($res->content) };
ok($j, 'valid JSON') or diag $res->content;
ok($j->{in_use}, 'in use');
cmp_ok($j->{basic_hits}, '>=', 1, 'hits counted');
is_deeply([sort grep { !/^(in_use|store)$/ } keys %$j],
          [sort qw(basic_hits basic_misses basic_mismatch basic_expired
                   backend_calls stores replacements denials bad_input
                   store_errors ntlm_handshakes ntlm_logons ntlm_cache_hits
                   ntlm_denials ntlm_rejected_cached ntlm_bad_input
                   ntlm_refused_bindings ntlm_refused_target_name
                   ntlm_refused_timestamp ntlm_refused_flags
                   ntlm_refused_target_info
                   digest_challenges digest_logons digest_context_hits
                   digest_stale digest_replays digest_denials
                   digest_bad_input)],
          'every counter is there');

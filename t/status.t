# SPDX-License-Identifier: Apache-2.0
# The authcache-status handler: HTML (with the at-a-glance summary), JSON,
# and the metrics (?metrics) that a stock Prometheus scrapes, parsed here
# by python3-prometheus-client's own OpenMetrics and text-format parsers.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use File::Temp qw(tempdir);
use JSON::PP ();
use LWP::UserAgent ();
use lib 't/lib';
use AuthCacheTest;

plan tests => 50;

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
                   digest_bad_input digest_user_evictions
                   negotiate_challenges negotiate_logons negotiate_cache_hits
                   negotiate_denials negotiate_bad_input
                   negotiate_refused_bindings
                   purges_user purges_all purged_refused
                   ntlm_lifetime_expired negotiate_ntlm_refused_mic)],
          'every counter is there');

# --- metrics: scraped as Prometheus does, parsed by the client library

my $top = Apache::Test::vars('top_dir');
my $base = 'http://' . Apache::TestRequest::hostport();

# scrape(format[, base]): {content_type, types, v => {'name{l="v",...}' => n}}
# OpenMetrics as Prometheus asks, with params { metrics: [""] }: ?metrics=
sub scrape {
    my ($fmt, $url) = (@_, $base);
    my $query = $fmt eq 'openmetrics' ? 'metrics=' : 'metrics';
    open my $fh, '-|', '/usr/bin/python3', "$top/t/bin/scrape",
        "$url/authcache-status?$query", $fmt or die "scrape: $!";
    my $out = do { local $/; <$fh> };
    close $fh;
    return undef if $? != 0 || !$out;
    my $s = JSON::PP::decode_json($out);
    for (@{ $s->{samples} }) {
        my ($name, $labels, $value) = @$_;
        my $l = join ',', map { "$_=\"$labels->{$_}\"" } sort keys %$labels;
        $s->{v}{$l eq '' ? $name : "$name\{$l}"} = $value;
    }
    return $s;
}
sub req { my ($scheme, $result) = @_;
          "authcache_requests_total{result=\"$result\",scheme=\"$scheme\"}" }
sub calls { "authcache_authority_calls_total{scheme=\"$_[0]\"}" }

my $om = scrape('openmetrics');
ok($om, 'OpenMetrics (?metrics=): the strict parser reads the page Prometheus gets');
like($om->{content_type}, qr{^application/openmetrics-text; version=1\.0\.0},
     '  served as application/openmetrics-text 1.0.0');
my $text = scrape('text');
ok($text, '?metrics without an Accept header: the text-format parser reads it');
like($text->{content_type}, qr{^text/plain; version=0\.0\.4},
     '  served as text/plain 0.0.4');
is_deeply($text->{v}, $om->{v}, '  with the same samples');
is($om->{types}{authcache_requests}, 'counter', 'authcache_requests is a counter');
is($om->{types}{authcache_store_chunks}, 'gauge', 'authcache_store_chunks a gauge');
is($om->{types}{authcache_store}, 'info', 'authcache_store an info metric');
is($om->{v}{'authcache_store_info{spec="authcache:(2097152)"}'}, 1,
   '  naming the store as configured');
is($om->{v}{authcache_in_use}, 1, 'authcache_in_use 1');

# every counter of the JSON page is one sample, with its value
my %json_of = (
    req('basic', 'cache_hit') => 'basic_hits', req('basic', 'cache_miss') => 'basic_misses',
    req('basic', 'cache_mismatch') => 'basic_mismatch',
    req('basic', 'cache_expired') => 'basic_expired', req('basic', 'denied') => 'denials',
    req('basic', 'bad_input') => 'bad_input', calls('basic') => 'backend_calls',
    'authcache_cache_stores_total{reason="new",scheme="basic"}' => 'stores',
    'authcache_cache_stores_total{reason="password_changed",scheme="basic"}' => 'replacements',
    authcache_store_errors_total => 'store_errors',
    req('ntlm', 'challenge') => 'ntlm_handshakes', calls('ntlm') => 'ntlm_logons',
    req('ntlm', 'cache_hit') => 'ntlm_cache_hits', req('ntlm', 'denied') => 'ntlm_denials',
    req('ntlm', 'cached_rejected') => 'ntlm_rejected_cached',
    req('ntlm', 'bad_input') => 'ntlm_bad_input',
    req('digest', 'challenge') => 'digest_challenges', calls('digest') => 'digest_logons',
    req('digest', 'cache_hit') => 'digest_context_hits', req('digest', 'stale') => 'digest_stale',
    req('digest', 'replay') => 'digest_replays', req('digest', 'denied') => 'digest_denials',
    req('digest', 'bad_input') => 'digest_bad_input',
    req('negotiate', 'challenge') => 'negotiate_challenges',
    calls('negotiate') => 'negotiate_logons',
    req('negotiate', 'cache_hit') => 'negotiate_cache_hits',
    req('negotiate', 'denied') => 'negotiate_denials',
    req('negotiate', 'bad_input') => 'negotiate_bad_input');
$j = counters();
is_deeply({ map { $_ => $om->{v}{$_} } keys %json_of },
          { map { $_ => $j->{ $json_of{$_} } } keys %json_of },
          'each counter is a labelled series with the value of the JSON page');
is(scalar(grep { /^authcache_(requests|authority_calls|cache_stores|store_errors)_total\b/ }
          keys %{ $om->{v} }), scalar(keys %json_of), '  and nothing else in those families');

# the values move with requests on every scheme
write_users('users-a', stan => 'Stan-pass1', mia => 'Mia-pass1');
write_ntlm_users(alice => 'Al1ce-ntlm');
# dora, and the users filling the small store below (one context each:
# AuthCacheDigestMaxContexts bounds what one user holds)
write_digest_users('digest@test', dora => 'D0ra-digest',
                   map { ("fill$_" => "Fill-$_") } 1 .. 300);
basic_get('/basic/', 'mia', 'Mia-pass1') for 1 .. 2;
my @n = curl_ntlm(['-u', 'alice:Al1ce-ntlm'], '/ntlm/', '/ntlm/');
my ($c) = grep { $_->{algorithm} eq 'SHA-256' }
          digest_challenges(Apache::TestRequest::GET('/digest/'));
my %dora = (user => 'dora', password => 'D0ra-digest', uri => '/digest/', challenge => $c);
my @d = map { Apache::TestRequest::GET('/digest/',
                  Authorization => digest_authorization(%dora, nc => $_))->code } 1 .. 2;
is_deeply([(map { $_->{code} } @n), @d], [200, 200, 200, 200],
          'an NTLM and a Digest client log on and make a second request');
my $after = scrape('openmetrics');
my %delta = map { $_ => $after->{v}{$_} - ($om->{v}{$_} // 0) } keys %{ $after->{v} };
is($delta{ req('basic', 'cache_miss') }, 1, 'Basic: a cache miss');
is($delta{ calls('basic') }, 1, '  one authority call');
is($delta{'authcache_cache_stores_total{reason="new",scheme="basic"}'}, 1, '  a new token stored');
is($delta{ req('basic', 'cache_hit') }, 1, '  then a cache hit');
is($delta{ req('ntlm', 'challenge') }, 1, 'NTLM: a challenge');
is($delta{ calls('ntlm') }, 1, '  one authority call');
is($delta{ req('ntlm', 'cache_hit') }, 1, '  then a cache hit on the connection');
is($delta{ req('digest', 'challenge') }, 1, 'Digest: a challenge');
is($delta{ calls('digest') }, 1, '  one credential lookup');
is($delta{ req('digest', 'cache_hit') }, 1, '  then a cache hit from the context');
cmp_ok($delta{'authcache_store_chunks{state="used"}'}, '>', 0, 'the store fills');
is($delta{'authcache_store_chunks{state="used"}'}, -$delta{'authcache_store_chunks{state="free"}'},
   '  from its free chunks');
cmp_ok($delta{authcache_store_writes_total}, '>=', 3,
       '  with writes (a Basic token, a Digest context and its window)');

# the HTML page at a glance: hit ratio, calls saved, fill, evictions
my $html = Apache::TestRequest::GET('/authcache-status')->content;
$after = scrape('text');
my $h = $after->{v}{ req('basic', 'cache_hit') };
my $k = $after->{v}{ calls('basic') };
like($html, qr{<tr><td>Basic</td><td>\Q${\ sprintf('%.1f%%', 100 * $h / ($h + $k))}\E</td><td>$h</td><td>$k</td><td>$h</td></tr>},
     'HTML: Basic hit ratio, hits, authority calls and calls saved');
$h = $after->{v}{ req('ntlm', 'cache_hit') };
$k = $after->{v}{ calls('ntlm') };
like($html, qr{<tr><td>NTLM</td><td>\Q${\ sprintf('%.1f%%', 100 * $h / ($h + $k))}\E</td><td>$h</td><td>$k</td><td>$h</td></tr>},
     '  the same for NTLM');
$h = $after->{v}{ req('digest', 'cache_hit') };
$k = $after->{v}{ calls('digest') };
like($html, qr{<tr><td>Digest</td><td>\Q${\ sprintf('%.1f%%', 100 * $h / ($h + $k))}\E</td><td>$h</td><td>$k</td><td>$h</td></tr>},
     '  and for Digest');
my ($used, $free) = map { $after->{v}{"authcache_store_chunks{state=\"$_\"}"} } qw(used free);
like($html, qr{Store fill: <b>\Q${\ sprintf('%.1f%%', 100 * $used / ($used + $free))}\E</b> \($used of ${\ ($used + $free)} chunks, $after->{v}{authcache_store_entries} entries\); evictions: <b>0</b>},
     '  store fill and evictions');

# a full store: evictions show in the metrics and on the page
my $dir = tempdir(CLEANUP => 1);
my $port = free_port();
# 300 users: one user's logons would only replace each other
# (AuthCacheDigestMaxContexts), never fill the store
my $users = write_digest_file('digest-many', 'digest@test',
                              map { ("m$_" => "pw-$_") } 1 .. 300);
side_conf("$dir/small", "Listen 127.0.0.1:$port",
    'AuthCacheSOCache authcache:(65536)',
    '<Location />', 'AuthType Digest', 'AuthName "digest@test"',
    "AuthCacheDigestUserFile $users", 'AuthCacheDigestAlgorithms SHA-256',
    'Require valid-user', '</Location>',
    '<Location /authcache-status>', 'SetHandler authcache-status',
    'Require all granted', '</Location>');
my ($up, $log) = side_ctl("$dir/small", 'start');
ok($up, 'side server with a 64 KiB store') or diag $log;
END { side_ctl("$dir/small", 'stop') if $up }
my $small = "http://127.0.0.1:$port";
my $ua = LWP::UserAgent->new(timeout => 10);
my $before = scrape('openmetrics', $small);
is($before->{v}{authcache_store_evictions_total}, 0, 'no evictions at first');
my $ok = 0;
for my $n (1 .. 300) {   # about 1.5 times what the store holds
    my ($ch) = digest_challenges($ua->get("$small/"));
    $ok += $ua->get("$small/", Authorization => digest_authorization(
        user => "m$n", password => "pw-$n", uri => '/', challenge => $ch))->code == 200;
}
is($ok, 300, '300 Digest logons of 300 users, each a new context');
$after = scrape('openmetrics', $small);
my $ev = $after->{v}{authcache_store_evictions_total};
cmp_ok($ev, '>', 0, 'authcache_store_evictions_total moved');
($used, $free) = map { $after->{v}{"authcache_store_chunks{state=\"$_\"}"} } qw(used free);
cmp_ok($used / ($used + $free), '>', 0.9, '  and the store is over 90% full');
like($ua->get("$small/authcache-status")->content, qr{evictions: <b>$ev</b>},
     '  the page shows the same evictions');

# a store without figures of its own (shmcb): no store series, still valid
my $port2 = free_port();
side_conf("$dir/shmcb", "Listen 127.0.0.1:$port2",
    "AuthCacheSOCache shmcb:$dir/shmcb/cache(512000)",
    '<Location />', 'AuthType Basic', 'AuthName x', 'AuthBasicProvider authcache',
    'AuthCacheProvider file', "AuthUserFile ${\ users_file('users-a')}",
    'Require valid-user', '</Location>',
    '<Location /authcache-status>', 'SetHandler authcache-status',
    'Require all granted', '</Location>');
my ($up2, $log2) = side_ctl("$dir/shmcb", 'start');
END { side_ctl("$dir/shmcb", 'stop') if $up2 }
my $sh = $up2 && scrape('openmetrics', "http://127.0.0.1:$port2");
ok($sh && !grep({ /^authcache_store_(chunks|evictions)/ } keys %{ $sh->{v} })
       && exists $sh->{v}{ req('basic', 'cache_hit') },
   'shmcb store: the counters parse, without store fill series') or diag $log2;
like($ua->get("http://127.0.0.1:$port2/authcache-status")->content,
     qr{Store fill and evictions: in the store's own figures below},
     '  and the page points to its own figures');

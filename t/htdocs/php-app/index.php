<?php
// The PHP application of t/stack_php.t, run by php-fpm: what it was
// told about the user, one KEY=value line each, as t/cgi-bin/app.pl
// prints them for CGI.
header('Content-Type: text/plain');
echo 'app=', 'php', "\n";
foreach (['REMOTE_USER', 'AUTH_TYPE', 'AUTHCACHE_CACHED_CRED', 'AUTHCACHE_SOURCE',
          'AUTHCACHE_USER', 'AUTHCACHE_DOMAIN', 'REQUEST_URI'] as $k) {
    echo $k, '=', $_SERVER[$k] ?? '', "\n";
}

-- SPDX-License-Identifier: Apache-2.0
-- wrk script of bench/harness/scale.py, args M PATH SEED: per call two pipelined GETs,
-- a random even then a random odd user of u0..u(M-1), so no two in a row are alike
local bit = require("bit")
local band, rshift = bit.band, bit.rshift
local sub, byte, concat, random, floor = string.sub, string.byte, table.concat, math.random, math.floor
local A, memo = {}, {}
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
for i = 0, 63 do A[i] = sub(alphabet, i + 1, i + 1) end
-- base64 of one group of 1..3 bytes, memoised: the credentials use 13
-- characters, so there are at most 2,197 full groups
local function group(s)
  local r = memo[s]
  if r then return r end
  local a, b, c = byte(s, 1, 3)
  local v = a * 65536 + (b or 0) * 256 + (c or 0)
  r = A[rshift(v, 18)] .. A[band(rshift(v, 12), 63)]
      .. (b and A[band(rshift(v, 6), 63)] or "=") .. (c and A[band(v, 63)] or "=")
  memo[s] = r
  return r
end
local function b64(s)
  local out, n = {}, 0
  for i = 1, #s, 3 do n = n + 1; out[n] = group(sub(s, i, i + 2)) end
  return concat(out)
end
local head, evens, odds
function init(args)
  local m = tonumber(args[1])
  head = "GET " .. args[2] .. " HTTP/1.1\r\nHost: " .. wrk.host .. ":" .. wrk.port
         .. "\r\nAuthorization: Basic "
  evens = floor((m + 1) / 2)   -- u0, u2, ... below m
  odds = floor(m / 2)          -- u1, u3, ... below m
  math.randomseed(os.time() + (tonumber(args[3]) or 0))
end
local function one(u)
  return head .. b64("u" .. u .. ":p" .. u) .. "\r\n\r\n"
end
function request()
  return one(2 * random(0, evens - 1)) .. one(2 * random(0, odds - 1) + 1)
end

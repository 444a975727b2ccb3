# Writes cases.json, the hand-written cases of the differential test (compare.mjs):
# documents, and expressions by feature group. Run: python3 cases.py (in this folder).
import json
docs = {
 "shop": {"Shop": {"Name": "Corner Books", "Orders": [
   {"Id": "A1", "Items": [{"Title": "Dune", "Price": 9.5, "Qty": 2, "Tags": ["scifi", "classic"]},
                           {"Title": "Emma", "Price": 7, "Qty": 1, "Tags": ["classic"]}]},
   {"Id": "B2", "Items": [{"Title": "Dune", "Price": 9.5, "Qty": 1, "Tags": ["scifi"]},
                           {"Title": "Ubik", "Price": 12.25, "Qty": 3, "Tags": []}]}]}},
 "lib": {"library": {"books": [{"isbn": "1", "title": "Dune", "authorId": "h"}, {"isbn": "2", "title": "Emma", "authorId": "a"}, {"isbn": "3", "title": "Persuasion", "authorId": "a"}],
                     "authors": [{"id": "a", "name": "Austen"}, {"id": "h", "name": "Herbert"}],
                     "loans": [{"isbn": "3", "who": "Kim"}, {"isbn": "1", "who": "Lee"}, {"isbn": "3", "who": "Ann"}]}},
 "person": {"name": "Ada", "age": 36, "langs": ["en", "fr"], "address": {"city": "London", "zip": "N1"}, "phones": [{"type": "home", "n": "123"}, {"type": "work", "n": "456"}]},
 "nums": {"a": [3, 1, 2], "b": [1], "c": 5, "items": [{"price": 2, "qty": 3, "name": "x"}, {"price": 5, "qty": 1, "name": "y"}], "tags": ["p", "q"]},
 "arr": [{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3]}, {"a": 3}],
 "none": None,
}
G = []
def g(name, doc, exprs):
    G.append({"name": name, "cases": [{"expr": e, "doc": doc} for e in exprs]})

g("context-in-steps", "nums", [
 "[1,2,3].(function(){$})()", "[1..3].(function(){$ * 2})()", "[1,2,3].($f := function(){$}; $f())",
 "[1..3].$", "[1..3].($ * 10)", "a.($ + 1)", "[1,2,3].($v := []; $v)", "[1,2,3].$v", "[[1,2],[3]].$",
 "[1,2,3].[$]", "items.(function($x){$x + price})(1)", "[1..3].{'v': $}", "$.c", "$$.c",
 "[1,2].($$.c)", "(1..3).$string()", "[1,2,3].$string()", "items.$sum(price)",
])
g("keep-array", "nums", [
 "$distinct([1])", "$distinct(b)", "$distinct([1,1])", "$distinct(a)", "b[]", "b", "a[0][]", "items.name[]",
 "items[price > 3].name[]", "$append(1, [])", "$reverse([1])", "$sort([1])", "[b]", "[[1]]",
 "$map([1], function($x){$x})", "$filter([1,2], function($x){$x=1})", "$keys({'a':1})",
 "$spread({'a':1})", "items[0]", "[1,2,3][[0,2]]", "items.price[]", "$[]", "c[]",
 "$split('a', ',')", "$match('ab', /a/)", "$each({'a':1}, function($v){$v})",
])
g("parent", "shop", [
 "Shop.Orders.Items.{'t': Title, 'order': %.Id}",
 "Shop.Orders.Items.{'t': Title, 'shop': %.%.Name}",
 "Shop.Orders.Items[%.Id = 'B2'].Title",
 "Shop.Orders.Items.Tags.{'tag': $, 'title': %.Title}",
 "Shop.Orders.Items.(Title & ' in ' & %.Id)",
 "Shop.Orders.Items.%.Id",
 "Shop.Orders.Items.%",
 "%", "%.Shop", "Shop.%", "Shop.Orders.%.Name",
 "Shop.Orders.Items^(>Price).{'t': Title, 'o': %.Id}",
 "Shop.Orders.Items{%.Id: $sum(Price)}",
 "Shop.Orders.*.{'t': Title, 'o': %.Id}",
 "Shop.Orders.Items[Price > 9].[Title, %.Id]",
 "Shop.Orders.(Items).%.Id", "Shop.Orders.Items.Tags.%.%.Id", "Shop.Orders.Items^(%.Id, >Price).Title",
 "Shop.Orders.Items{Title: %.Id}", "Shop.Orders.Items.{'t': Title, 'n': $count(%.Items)}",
 "Shop.Orders.Items[Qty > 1].%.Id", "Shop.Orders.Items.($x := %.Id; $x)", "Shop.Orders.Items.(%.Id & '/' & Title)",
 "Shop.Orders.Items.Tags[%.Price > 9]", "Shop.Orders.Items.[%]", "Shop.Orders.Items.{'o': %}.o.Id",
 "Shop.Orders.Items@$i.%", "Shop.Orders.Items.Title.%.Price", "Shop.Orders.Items[0][%.Id='B2'].Title",
 "$.Shop.Orders.Items.%.Id", "Shop.Orders.*[Title].%.Id",
])
g("focus-index", "lib", [
 "library.books#$i.{'t': title, 'i': $i}",
 "library.books#$i[$i > 0].title",
 "library.books[authorId='a']#$i.{'t': title, 'i': $i}",
 "library.books@$b.authors@$a[$a.id=$b.authorId].{'title': $b.title, 'author': $a.name}",
 "library.loans@$l.books@$b[$l.isbn=$b.isbn].{'who': $l.who, 'book': $b.title}",
 "library.loans@$l.books@$b[$l.isbn=$b.isbn]{$b.title: $l.who}",
 "library.books@$b.authors@$a[$a.id=$b.authorId]^($a.name, $b.title).{'t': $b.title, 'a': $a.name}",
 "library.books^(title)#$i.{'t': title, 'i': $i}",
 "library.books^(>title)#$i[$i < 2].title",
 "library.books.title#$i.{'t': $, 'i': $i}",
 "[10,20,30]#$i.($ * $i)",
 "library.books#$i[title != 'Dune']#$j.{'t': title, 'i': $i, 'j': $j}",
 "library.authors@$a.$a.name",
 "library.books@$b[0]",
 "library.books^(title)@$b",
 "library.books@5",
 "library.books@$b.loans[isbn=$b.isbn].who",
 "library.books@$b{$b.authorId: $count($b)}",
 "library.books#$i{$string($i): title}",
 "library.books@$b.loans@$l[$l.isbn=$b.isbn].{'t': $b.title, 'w': $l.who}[]",
 "library.books@$b.loans@$l[$l.isbn=$b.isbn][0].$l.who", "library.books#$i.loans#$j[$i = $j].who",
 "library.books@$b^(>$b.title).$b.isbn", "library.books.title#$i^(>$)", "library.books#$i^(>title).[$i, title]",
 "library.books@$b.authors@$a[$a.id=$b.authorId]{$a.name: $b.title[]}",
 "library.books@$b.authors@$a[$a.id=$b.authorId]{$a.name: $count($b)}",
 "library.books[]@$b.$b.title", "library.loans@$l.$l.who[]", "$sort(library.books#$i.($i), function($a, $b){$a < $b})",
])
g("transform", "shop", [
 "$ ~> |Shop.Orders.Items|{'Total': Price * Qty}|",
 "$ ~> |Shop.Orders.Items|{}, ['Tags', 'Qty']|",
 "$ ~> |Shop.Orders.Items|{'Price': Price * 2}, 'Tags'|",
 "$ ~> |Shop|{'Open': true}|",
 "$ ~> |Shop.Orders[Id='A1'].Items[0]|{'Title': 'X'}|",
 "Shop.Orders ~> |Items|{'Seen': true}|",
 "$ ~> |Shop.Orders.Items|'x'|",
 "$ ~> |Shop.Orders.Items|{}, 5|",
 "$ ~> |**[Title]|{'T': true}|",
 "$ ~> |Shop.Nothing|{'a': 1}|",
 "($t := |Items|{'n': $count(Tags)}|; Shop.Orders.$t($))",
 "5 ~> |a|{}|",
 "$ ~> |Shop.Orders.Items|{'Price': undefined}|",
 "$ ~> |Shop.Orders|{'Count': $count(Items)}, 'Items'|", "Shop ~> |Orders.Items[Title='Dune']|{'Title': 'DUNE'}|",
 "$ ~> |**.Items|{'x': 1}|", "($ ~> |Shop.Orders.Items|{'P': %.Id}|).Shop.Orders.Items.P",
 "[Shop.Orders[0], Shop.Orders[1]] ~> |Items|{'q': Qty * 2}|", "$ ~> |Shop.Orders.Items|{}, $keys($)[0]|",
 "$ ~> |Shop.Orders.Items|{}, [1, 'Tags']|", "$ ~> |$|{'a': 1}|", "$ ~> |Shop|{'Name': Name & '!'}, 'Orders'| ~> $keys()",
])
g("signatures", "person", [
 "$exists()", "$string(function($x){$x})", "$string($sum)", "$string()", "name.$uppercase()",
 "age.$string()", "$uppercase(1)", "$length()", "$sum(['a'])", "$sum([1,'a'])", "$join([1,2])",
 "$count()", "$count(1,2)", "$substring('abc')", "$substring('abcd', 1, 2, 3)",
 "$map([1,2], $string)", "$max(langs)", "langs.$length()", "address.$keys()", "$keys()",
 "(function($x)<n:n>{$x+1})(2)", "(function($x)<n:n>{$x+1})('a')", "(function($x)<n-:n>{$x*2})()",
 "age.(function($x)<n-:n>{$x*2})()", "(function($a)<a<n>:n>{$sum($a)})([1,2])",
 "(function($a)<a<n>:n>{$sum($a)})([1,'x'])", "(function($a)<a<n>:n>{$count($a)})(5)",
 "(function($s)<s?:s>{$s})()", "$merge([{'a':1}, 2])", "$boolean()", "name.$boolean()",
 "$lookup(address, 'city')", "$lookup(address)", "$each(address, function($v,$k){$k})",
 "$reduce([1,2,3], function($a,$b){$a+$b})", "$abs('x')", "$power(2)", "$number()", "name.$number()",
 "$zip([1,2],[3,4])", "$append()", "$sift(address, function($v){$v='N1'})",
])
g("number-string", "none", [
 "$number('007')", "$number('-007.5')", "$number('0x1F')", "$number('1e3')", "$number(' 1')",
 "$number('1.')", "$number('.5')", "$number('00')", "$number('-0')", "$number('+5')", "$number('0b101')",
 "$number('12abc')", "$number(true)", "$number(null)", "$number('')", "$number('Infinity')",
 "$string(1/3)", "$string(1e21)", "$string(0.1+0.2)", "$string([1, function(){1}])",
 "$string({'f': $sum})", "$string([1,2].$string())", "$string(-0)", "$string(100000000000000000000)", "$string(1.5e-7)",
 "$encodeUrl('\\uD800')", "$encodeUrlComponent('\\uDC00x')", "$encodeUrl('ok \\uD83D\\uDE00')",
 "$encodeUrlComponent('a b&c')", "$length('\\uD83D\\uDE00')", "$decodeUrl('%E0%A4%A')",
])
g("errors", "nums", [
 "1 + 'a'", "'a' - 1", "a + 1", "-'x'", "1 < 'a'", "[1] < 2", "$undefinedfn()", "c()", "1..'x'",
 "[1..10000001]", "{1: 2}", "{'a':1, 'a':2}", "a{'x': 1, 'x': 2}", "$error('boom')", "$assert(false, 'no')",
 "items^(name, price) ", "items^($)", "$sort([1, 'a'])", "$single([1,2])", "$single([])",
 "1/0", "$power(10, 400)", "$sqrt(-1)", "$formatBase(10, 40)", "$split('a', ',', -1)",
 "$replace('a', '', 'b')", "$match('a', /x/, -1)", "$substring(1)", "$pad('a')",
 "$reduce([1], function($a){$a})", "$zip(1)", "$lookup(1, 2)",
])
g("regex-matchers", "none", [
 "$match('ab12cd345', /[0-9]+/)", "$match('aXbX', /x/i)", "$replace('a1b22', /[0-9]+/, '#')",
 "$replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')", "$replace('abc', /b/, function($m){$uppercase($m.match)})",
 "$split('a1b22c', /[0-9]+/)", "$split('a1b22c', /[0-9]+/, 2)", "$contains('abc', /B/i)",
 "/a(b)/('xaby')", "$match('abcabc', /b/, 1)",
 "$match('abcdef', function($s){ {'match': 'cd', 'start': 2, 'end': 4, 'groups': [], 'next': function(){ undefined }} })",
 "($m := function($s){ {'match': 'x', 'start': 0, 'end': 1, 'groups': ['g'], 'next': function(){ {'match': 'x', 'start': 1, 'end': 2, 'groups': [], 'next': function(){ undefined }} }} }; $match('xx', $m))",
 "($m := function($s){ {'match': 'x', 'start': 0, 'end': 1, 'groups': [], 'next': function(){ {'match': 'x', 'start': 1, 'end': 2, 'groups': [], 'next': function(){ undefined }} }} }; $match('xx', $m, 1))",
 "$replace('hello', function($s){ {'match': 'll', 'start': 2, 'end': 4, 'groups': [], 'next': function(){ undefined }} }, 'LL')",
 "$replace('hello', function($s){ {'match': 'll', 'start': 2, 'end': 4, 'groups': [], 'next': function(){ undefined }} }, function($m){ $uppercase($m.match) })",
 "$split('a-b-c', function($s){ {'match': '-', 'start': 1, 'end': 2, 'groups': [], 'next': function(){ {'match': '-', 'start': 3, 'end': 4, 'groups': [], 'next': function(){ undefined }} }} })",
 "$contains('abc', function($s){ {'match': 'b', 'start': 1, 'end': 2, 'groups': [], 'next': function(){ undefined }} })",
 "$contains('abc', function($s){ undefined })",
 "$match('abc', function($s){ undefined })",
 "$replace('abc', function($s){ undefined }, 'x')",
 "$match('abc', function($s){ 5 })",
 "$replace('abc', /b/, function($m){ 5 })",
])
json.dump({"documents": docs, "groups": G}, open("cases.json", "w"), indent=1)

# --- functions (appended): integer, date/time and number pictures -----------------------
G2 = []
def g2(name, doc, exprs):
    G2.append({"name": name, "cases": [{"expr": e, "doc": doc} for e in exprs]})

g2("formatInteger-parseInteger", "none", [
 "$formatInteger(2789, 'w')", "$formatInteger(2789, 'W')", "$formatInteger(2789, 'Ww')", "$formatInteger(12, 'w;o')",
 "$formatInteger(101, 'Ww;o')", "$formatInteger(40, 'w;o')", "$formatInteger(1000000, 'w')", "$formatInteger(1234567890123, 'w')",
 "$formatInteger(0, 'w')", "$formatInteger(-17, 'w')", "$formatInteger(1999, 'I')", "$formatInteger(1999, 'i')", "$formatInteger(3888, 'I')",
 "$formatInteger(0, 'I')", "$formatInteger(1, 'a')", "$formatInteger(26, 'A')", "$formatInteger(27, 'a')", "$formatInteger(702, 'A')",
 "$formatInteger(1234567, '#,##0')", "$formatInteger(1234567, '0,000')", "$formatInteger(7, '000')", "$formatInteger(1234, '#')",
 "$formatInteger(1234567, '#,##,##0')", "$formatInteger(1234567, '# ### ###')", "$formatInteger(1234567, '000\u00a0000')",
 "$formatInteger(12345678, '#,####')", "$formatInteger(21, '1;o')", "$formatInteger(112, '1;o')", "$formatInteger(3, '#0;o')",
 "$formatInteger(22, '0;o')", "$formatInteger(123, '\u0661\u0662')", "$formatInteger(2024, '\u0967\u0966\u0966\u0966')",
 "$formatInteger(12.7, '0')", "$formatInteger(-1234, '#,##0')", "$formatInteger(5, 'x')", "$formatInteger(5, '1\u0661')",
 "$formatInteger(5)", "$formatInteger('5', '0')", "(12).$formatInteger('0')",
 "$parseInteger('twelve thousand, four hundred and seventy-six', 'w')", "$parseInteger('12,345,678', '#,##0')",
 "$parseInteger('MCMXCIX', 'I')", "$parseInteger('mmxxiv', 'i')", "$parseInteger('ab', 'a')", "$parseInteger('AAA', 'A')",
 "$parseInteger('21st', '0;o')", "$parseInteger('one hundred and first', 'w;o')", "$parseInteger('007', '000')",
 "$parseInteger('\u0661\u0662\u0663', '\u0660')", "$parseInteger('1 234 567', '# ### ###')", "$parseInteger('x', 'x')",
 "$parseInteger('Two Thousand', 'Ww')", "$parseInteger('1,234', '0')",
])
g2("fromMillis-pictures", "none", [
 "$fromMillis(1510067557121)", "$fromMillis(1510067557121, '[M01]/[D01]/[Y0001] [h#1]:[m01][P]')",
 "$fromMillis(1510067557121, '[H01]:[m01]:[s01] [z]', '-0500')", "$fromMillis(1510067557121, '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]', '+0530')",
 "$fromMillis(1521801216617, '[FNn], [D1o] [MNn] [Y]')", "$fromMillis(1521801216617, '[D1o] [MNn,3-3] [Y,2]')",
 "$fromMillis(1521801216617, '[FNn,3-3] [D] [MN]')", "$fromMillis(1521801216617, '[Fn] [Dwo] [Mw] [Yw]')",
 "$fromMillis(1521801216617, '[DW] of [MNn] [YI]')", "$fromMillis(1521801216617, '[W]')", "$fromMillis(1521801216617, '[w]')",
 "$fromMillis(1521801216617, '[X]-W[W01]-[F1]')", "$fromMillis(1521801216617, '[x]')", "$fromMillis(1521801216617, '[E] [C]')",
 "$fromMillis(1521801216617, '[d]')", "$fromMillis(1521801216617, '[d001]')", "$fromMillis(1521801216617, '[Y0001,2]')",
 "$fromMillis(1521801216617, '[Y,4]')", "$fromMillis(1521801216617, '[M,2]/[D,2]')", "$fromMillis(1521801216617, '[H,2]:[m]:[s]')",
 "$fromMillis(1521801216617, '[f]')", "$fromMillis(1521801216617, '[f01]')", "$fromMillis(1521801216617, '[f0001]')",
 "$fromMillis(1521801216617, '[h]:[m01] [PN]')", "$fromMillis(1521801216617, '[Z]')", "$fromMillis(1521801216617, '[Z0000]', '-0800')",
 "$fromMillis(1521801216617, '[Z01:01]', '+0100')", "$fromMillis(1521801216617, '[z]', '+0930')", "$fromMillis(1521801216617, '[Z01]', '-0330')",
 "$fromMillis(1521801216617, '[Z0]', '+0000')", "$fromMillis(1521801216617, '[Z01:01t]')", "$fromMillis(1521801216617, '[[Year]]: [[[Y0001]]]')",
 "$fromMillis(1521801216617, '[Y0001')", "$fromMillis(1521801216617, '[Q]')", "$fromMillis(1521801216617, '[YN]')",
 "$fromMillis(1521801216617, '[Z00000]', '+0100')", "$fromMillis(1521801216617, '[D#1] [M#1]')", "$fromMillis(1521801216617, '[ Y0001 - M01 ]')",
 "$fromMillis(0, '[W] [w] [X] [x]')", "$fromMillis(1609459200000, '[W] [X] [w] [x]')", "$fromMillis(1704067200000, '[W01] [X] [F]')",
 "$fromMillis(1735603200000, '[W] [X] [w] [x]')", "$fromMillis(-86400000, '[Y]-[M]-[D] [FNn]')", "$fromMillis(951782400000, '[D] [MNn] [d]')",
 "$fromMillis(1521801216617, '[Dwo] [MNn] [YWw]')", "$fromMillis(1521801216617, '[D1o]', '+1400')", "$now() = $now()",
 "$fromMillis(1521801216617, '[mNn]')", "$fromMillis(1521801216617, '[D,3-5]')",
])
g2("toMillis", "none", [
 "$toMillis('2017-11-07T15:07:54.972Z')", "$toMillis('2018-02-01')", "$toMillis('2018-02-01T09:42:13+01:00')",
 "$toMillis('2018')", "$toMillis('2018-02')", "$toMillis('nope')", "$toMillis('2018-02-01 09:42')",
 "$toMillis('2018-03-27', '[Y1]-[M01]-[D01]')", "$toMillis('27/03/2018', '[D01]/[M01]/[Y0001]')",
 "$toMillis('2018-03-27T14:03:00.123Z', '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001]Z')",
 "$toMillis('Tuesday, 27th March 2018', '[FNn], [D1o] [MNn] [Y]')", "$toMillis('27 Mar 2018', '[D] [MNn,3-3] [Y]')",
 "$toMillis('2018-086', '[Y]-[d001]')", "$toMillis('13/03/2018 3:45pm', '[D]/[M]/[Y] [h]:[m][P]')",
 "$toMillis('13/03/2018 12:45am', '[D]/[M]/[Y] [h]:[m][P]')", "$toMillis('2018-03-27 14:03 +0100', '[Y]-[M]-[D] [H]:[m] [Z]')",
 "$toMillis('2018-03-27 14:03 -05:00', '[Y]-[M]-[D] [H]:[m] [Z01:01]')", "$toMillis('2018-03-27 14:03 GMT+02:00', '[Y]-[M]-[D] [H]:[m] [z]')",
 "$toMillis('twenty-seventh of March, two thousand and eighteen', '[Dwo] of [MNn], [Yw]')", "$toMillis('MMXVIII', '[YI]')",
 "$toMillis('Hello', 'Hello')", "$toMillis('2018-03', '[Y]-[M]')", "$toMillis('2018-03-27', '[Y]-[M]-[D] extra')",
 "$toMillis('2018 27', '[Y] [D]')", "$toMillis('2018-W13-2', '[X]-W[W]-[F]')", "$toMillis('17-03-27', '[Y,2]-[M]-[D]')",
 "$toMillis('5pm', '[h][P]')", "$toMillis('10:15', '[H]:[m]') > 0",
])
g2("formatNumber", "none", [
 "$formatNumber(12345.6, '#,###.00')", "$formatNumber(1234.5678, '00.000')", "$formatNumber(0.14, '01%')",
 "$formatNumber(0.4857, '###.###\u2030')", "$formatNumber(1234.5678, '00.000e0')", "$formatNumber(-6, '000')",
 "$formatNumber(1234.5678, '#,##0.00;(#,##0.00)')", "$formatNumber(-1234.5678, '#,##0.00;(#,##0.00)')",
 "$formatNumber(0.00012345, '0.00e00')", "$formatNumber(123456789, '#.###e0')", "$formatNumber(0.5, '#')", "$formatNumber(2.5, '0')",
 "$formatNumber(1234567.891, '#,##,##0.00')", "$formatNumber(1234567.891, '# ###.##', {'grouping-separator': ' '})",
 "$formatNumber(1234.5, '#.##0,00', {'decimal-separator': ',', 'grouping-separator': '.'})",
 "$formatNumber(1234.5, '\u0660\u0660\u0660\u0660.\u0660', {'zero-digit': '\u0660'})", "$formatNumber(42, '\uff10\uff10\uff10', {'zero-digit': '\uff10'})",
 "$formatNumber(0.25, '0%', {'percent': 'pc'})", "$formatNumber(3.14159, '0.00pi')", "$formatNumber(100, '$#,##0.00')",
 "$formatNumber(1e21, '#')", "$formatNumber(0, '#.#')", "$formatNumber(-0.001, '0.0')",
 "$formatNumber(12345, '#,###,###')", "$formatNumber(1234, '#,###.#,#')", "$formatNumber(9.995, '0.00')", "$formatNumber(1, '0;0;0')",
 "$formatNumber(1, '0.0.0')", "$formatNumber(1, '0%%')", "$formatNumber(1, '0\u2030\u2030')", "$formatNumber(1, '0%\u2030')",
 "$formatNumber(1, 'abc')", "$formatNumber(1, '0a0')", "$formatNumber(1, '#,.0')", "$formatNumber(1, '0,')", "$formatNumber(1, '0,,0')",
 "$formatNumber(1, '0#')", "$formatNumber(1, '0.#0')", "$formatNumber(1, '0e0%')", "$formatNumber(1, '0e')", "$formatNumber(1, '0e#')",
 "$formatNumber(1234.5678, '0.0e0')", "$formatNumber(0.000001234, '#,##0.0##e0')", "$formatNumber(5)", "$formatNumber('5', '0')",
 "$formatNumber(12, '#0.0e00')", "$formatNumber(-12.5, '0.0')", "$formatNumber(1234.5, '#,##0.0', {'digit': '@'})",
])
G.extend(G2)
json.dump({"documents": docs, "groups": G}, open("cases.json", "w"), indent=1)

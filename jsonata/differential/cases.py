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
 "$string({'f': $sum})", "$string(-0)", "$string(100000000000000000000)", "$string(1.5e-7)",
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

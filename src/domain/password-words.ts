// Words a guesser tries first against a Japanese municipality, for the "no dictionary word"
// rules of password-policy.ts (niigata:15.2.7 辞書単語; NIST SP 800-63B-4 §3.1.1.2 blocklist of
// "commonly used, expected" values). Checked offline: the Juki-net segment has no Internet.
//
// Sources (all compiled by hand for this project, so no licence is attached to them):
// - JAPANESE_WORDS: everyday vocabulary of the JLPT N5/N4 level (nature, seasons, family, food,
//   animals, colours, numbers, greetings, feelings), words of the office and of Juki-net, and the
//   commonest surnames and given names (the surname ranking published by 明治安田生命). Written in
//   Hepburn; the policy folds the other spellings (kunrei, IME: si/shi, tu/tsu, ti/chi, hu/fu,
//   zi/ji, sya/sha, long vowels ou/oo/oh/ō) with romaji.ts, so each word is listed once.
// - PLACE_NAMES: the 47 prefectures, the 20 designated cities (政令指定都市), the 23 special wards
//   of Tokyo and the other prefectural capitals, and the municipalities of the seed regulations.
// - ERA_WORDS: the eras since 明治 in romaji and kanji, also with 元年 (gannen); the policy reads
//   an era's initial followed by a year (R8, H31, S64) as a date too, and 年月日 as a date's marks.
// - ENGLISH_WORDS: common English words seen in leaked passwords beyond the 1,000 passwords of
//   password-blocklist.ts (which are also used as dictionary words).
// Kept as text, one word per space, so a reviewer can read and extend the lists.

export const JAPANESE_WORDS = `
sakura hana haru natsu aki fuyu yuki ame kaze sora umi yama kawa mori hayashi ki ishi iwa tsuchi
hoshi tsuki taiyou hi mizu kumo niji kaminari arashi tenki hare kumori asa hiru yoru ban yuugata
kesa kyou ashita kinou ima toki jikan nichiyoubi getsuyoubi kayoubi suiyoubi mokuyoubi kinyoubi doyoubi
shigatsu gogatsu rokugatsu ichigatsu nigatsu sangatsu shichigatsu hachigatsu kugatsu juugatsu shougatsu
oshougatsu tanabata omatsuri matsuri hanabi momiji koyo tsuyu shinnen nenmatsu obon
ichi ni san shi yon go roku shichi nana hachi kyuu ku juu hyaku sen man oku
hitotsu futatsu mittsu yottsu itsutsu muttsu nanatsu yattsu kokonotsu too
chichi haha otousan okaasan oniisan oneesan otouto imouto kazoku kodomo akachan sofu sobo ojiisan obaasan
ojisan obasan musuko musume otto tsuma kanai shujin danna okusan tomodachi nakama senpai kouhai sensei
hito otoko onna kare kanojo watashi boku ore anata kimi minna jibun namae
inu neko tori sakana uma ushi buta hitsuji saru usagi kuma kitsune tanuki nezumi tora ryuu hebi
kame kaeru tonbo chou semi hachi kujira iruka pengin panda kirin zou raion shika karasu suzume tsuru
tamago gohan pan niku yasai kudamono ringo mikan ichigo budou momo nashi kaki suika banana meron
sushi sashimi tempura ramen udon soba onigiri misoshiru miso shoyu tofu natto nattou yakitori yakiniku
okonomiyaki takoyaki karee kare oden sukiyaki shabushabu tonkatsu bento bentou ocha kocha koohii sake
biiru mizu gyunyu gyuunyuu satou shio kome mochi dango wagashi senbei okashi keeki chokoreeto aisu
aka ao kiiro midori shiro kuro murasaki pinku orenji chairo haiiro kin gin
ai koi kokoro yume kibou ai shiawase yuuki egao namida himitsu daisuki suki kirai ureshii tanoshii
kanashii sabishii kowai kawaii kirei utsukushii yasashii tsuyoi yowai hayai osoi ookii chiisai atarashii
genki daijoubu ganbaru ganbare ganbatte gambatte omedetou arigatou doumo sumimasen gomennasai
onegai onegaishimasu konnichiwa konbanwa ohayou ohayougozaimasu sayonara sayounara oyasumi oyasuminasai
itadakimasu gochisousama tadaima okaeri irasshaimase yoroshiku hajimemashite moshimoshi hai iie
baka aho kuso yabai sugoi majide honto hontou
ie uchi heya mado doa kagi tsukue isu hon kami pen enpitsu kuruma densha basu jitensha hikouki fune
shinbun zasshi tegami michi eki mise ginkou byouin gakkou daigaku kaisha shigoto kaigi denwa keitai sumaho pasokon terebi
eiga ongaku uta odori asobi gemu geemu sakkaa yakyuu tenisu suiei karate judo juudou kendou sumou
kanji hiragana katakana nihongo eigo benkyou shukudai shiken
yakusho shiyakusho kuyakusho yakuba machi mura shi ku ken to fu dou chou son
juumin jumin juuminhyou juki jukinet juukinetto kojin bangou mainanbaa kanri kanrisha shisutemu
pasuwaado anshou anshoubangou kagi sekyuriti hogo anzen kiken keikoku kinkyuu jiko shougai
soumu soumuka shimin shiminka kouseki koseki zeimu fukushi kenkou hoken nenkin kyouiku jouhou
shinsei todokede shoumei inkan hanko madoguchi tantou kakarichou kachou buchou shichou chouchou sonchou
fukushichou kyokuchou jichitai chihou kokka seifu kuni nihon nippon japan
yamato bushi samurai ninja shogun shougun tenno tennou hime ouji oujisama kami hotoke tera jinja
fujisan fuji sakurajima
sato satou suzuki takahashi tanaka watanabe ito itou yamamoto nakamura kobayashi kato katou yoshida
yamada sasaki yamaguchi matsumoto inoue kimura hayashi saito saitou shimizu yamazaki mori ikeda
hashimoto abe ishikawa yamashita nakajima ishii ogawa maeda okada hasegawa fujita goto gotou kondo
kondou murakami endo endou aoki sakamoto saito fukuda ota oota nishimura fujii kaneko okamoto fujiwara
nakano miura matsuda nakagawa harada ono oono takeuchi tamura kaneda wada nakayama ishida ueda morita
hara shibata sakai kudo kudou yokoyama miyazaki miyamoto uchida takagi ando andou taniguchi ohno
maruyama imai takada fujimoto takeda murata ueno sugiyama masuda sugawara hirano kojima otsuka
chiba kubo matsui iwasaki sakurai kinoshita noguchi matsuo kikuchi nomura arai watabe
taro tarou jiro jirou saburo saburou ichiro ichirou hiroshi takashi makoto kenji akira satoshi
takeshi hiroki daisuke shota shouta ren haruto sota souta yuto yuuto minato riku yamato kaito
hanako yoko youko keiko kazuko yuko yuuko akiko tomoko naoko megumi yumi kumiko sachiko michiko
emi mai yui yuina aoi himari mio sakura yuna hina rin riko misaki haruka ayaka yuka nanami
`;

export const PLACE_NAMES = `
hokkaido aomori iwate miyagi akita yamagata fukushima ibaraki tochigi gunma saitama chiba tokyo
kanagawa niigata toyama ishikawa fukui yamanashi nagano gifu shizuoka aichi mie shiga kyoto osaka
hyogo nara wakayama tottori shimane okayama hiroshima yamaguchi tokushima kagawa ehime kochi fukuoka
saga nagasaki kumamoto oita miyazaki kagoshima okinawa
sapporo sendai saitama chiba yokohama kawasaki sagamihara niigata shizuoka hamamatsu nagoya kyoto
osaka sakai kobe okayama hiroshima kitakyushu fukuoka kumamoto
chiyoda chuo minato shinjuku bunkyo taito sumida koto shinagawa meguro ota setagaya shibuya nakano
suginami toshima kita arakawa itabashi nerima adachi katsushika edogawa
aomori morioka akita yamagata mito utsunomiya maebashi kofu matsumoto kanazawa toyama fukui gifu
tsu otsu nara wakayama tottori matsue yamaguchi tokushima takamatsu matsuyama kochi naha
kagoshima miyazaki oita nagasaki hakodate asahikawa kushiro otaru nikko kamakura atami karuizawa
hakone kyushu shikoku honshu tohoku kanto kansai kinki chubu hokuriku chugoku
katsuragi kunitachi tachikawa hachioji musashino mitaka fuchu chofu machida shinagawa ikebukuro
ginza akihabara asakusa shibuya harajuku roppongi odaiba ueno umeda namba tenjin susukino
`;

export const ERA_WORDS = `
meiji taisho showa heisei reiwa meijigannen taishogannen showagannen heiseigannen reiwagannen
明治 大正 昭和 平成 令和 明治元年 大正元年 昭和元年 平成元年 令和元年
`;

export const ENGLISH_WORDS = `
password passwd passcode pass secret secure security login logon admin administrator root user
username guest test tester welcome hello world master key office work system server network
computer internet online account change default temp temporary summer winter spring autumn fall
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
love lover happy lucky sunny sunshine flower rose cherry blossom moon star sky ocean river mountain
dragon tiger lion eagle wolf bear cat dog kitty puppy bunny mouse horse fish bird
red blue green black white yellow orange purple pink gray grey gold silver
one two three four five six seven eight nine ten hundred thousand
japan japanese tokyo city town village office government public service citizen resident
alpha beta gamma delta omega zero hero super power magic dream hope peace freedom
apple banana orange lemon melon peach grape strawberry coffee tea beer wine chocolate candy cookie
family friend mother father brother sister baby angel princess prince king queen
good best great cool nice sweet pretty beautiful
`;

package warm
import (
 _ "github.com/anacrolix/torrent"
 _ "github.com/anacrolix/torrent/storage"
 _ "github.com/anacrolix/torrent/tracker"
 _ "github.com/anacrolix/torrent/tracker/udp"
 _ "github.com/anacrolix/torrent/tracker/http/server"
 _ "github.com/anacrolix/torrent/bencode"
 _ "github.com/anacrolix/torrent/metainfo"
 _ "modernc.org/sqlite"
 _ "github.com/jackc/pgx/v5/stdlib"
 _ "github.com/chromedp/chromedp"
 _ "golang.org/x/term"
)

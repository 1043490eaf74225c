/* See shim.h: plain-function wrappers for DPDK's static inline functions. */
#include <string.h>
#include "shim.h"

int rvs_rte_errno(void) { return rte_errno; }
const char *rvs_rte_version(void) { return rte_version(); }
unsigned rvs_lcore_id(void) { return rte_lcore_id(); }

uint16_t rvs_eth_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
    return rte_eth_rx_burst(port, queue, pkts, n);
}

uint16_t rvs_eth_rx_burst_meta(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
                               uint8_t **data, uint32_t *lens, uint16_t n, uint16_t *dropped)
{
    uint16_t got = rte_eth_rx_burst(port, queue, pkts, n);
    uint16_t kept = 0;
    *dropped = 0;
    for (uint16_t i = 0; i < got; i++) {
        struct rte_mbuf *m = pkts[i];
        if (m->nb_segs != 1) {
            rte_pktmbuf_free(m);
            (*dropped)++;
            continue;
        }
        pkts[kept] = m;
        data[kept] = rte_pktmbuf_mtod(m, uint8_t *);
        lens[kept] = m->data_len;
        kept++;
    }
    return kept;
}

void rvs_pktmbuf_free_array(struct rte_mbuf **pkts, unsigned n)
{
    rte_pktmbuf_free_bulk(pkts, n);
}

uint16_t rvs_eth_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
    return rte_eth_tx_burst(port, queue, pkts, n);
}

struct rte_mbuf *rvs_pktmbuf_alloc(struct rte_mempool *mp) { return rte_pktmbuf_alloc(mp); }

int rvs_pktmbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **pkts, unsigned n)
{
    return rte_pktmbuf_alloc_bulk(mp, pkts, n);
}

void rvs_pktmbuf_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }
uint8_t *rvs_pktmbuf_data(struct rte_mbuf *m) { return rte_pktmbuf_mtod(m, uint8_t *); }
uint16_t rvs_pktmbuf_data_len(const struct rte_mbuf *m) { return rte_pktmbuf_data_len(m); }
uint32_t rvs_pktmbuf_pkt_len(const struct rte_mbuf *m) { return rte_pktmbuf_pkt_len(m); }
uint16_t rvs_pktmbuf_nb_segs(const struct rte_mbuf *m) { return m->nb_segs; }
uint16_t rvs_pktmbuf_headroom(const struct rte_mbuf *m) { return rte_pktmbuf_headroom(m); }
uint16_t rvs_pktmbuf_tailroom(const struct rte_mbuf *m) { return rte_pktmbuf_tailroom(m); }

int rvs_pktmbuf_set_bounds(struct rte_mbuf *m, uint16_t data_off, uint16_t len)
{
    if (m->nb_segs != 1 || (uint32_t)data_off + len > m->buf_len)
        return -1;
    m->data_off = data_off;
    m->data_len = len;
    m->pkt_len = len;
    return 0;
}

void rvs_mbuf_refcnt_add(struct rte_mbuf *m, int16_t v) { rte_mbuf_refcnt_update(m, v); }

uint32_t rvs_pktmbuf_read_all(const struct rte_mbuf *m, uint8_t *buf, uint32_t cap)
{
    uint32_t off = 0;
    for (; m != NULL && off < cap; m = m->next) {
        uint32_t n = m->data_len;
        if (n > cap - off)
            n = cap - off;
        memcpy(buf + off, rte_pktmbuf_mtod(m, const uint8_t *), n);
        off += n;
    }
    return off;
}

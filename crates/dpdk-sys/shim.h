/* What rvs binds from DPDK 22.11: the headers bindgen reads, and a shim of plain
 * functions wrapping DPDK's static inline functions and macros, which have no symbol
 * to link against. Everything here is a thin pass-through. */
#ifndef RVS_DPDK_SHIM_H
#define RVS_DPDK_SHIM_H

#include <stdint.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_version.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

/* rte_errno of the calling thread. */
int rvs_rte_errno(void);
/* The DPDK version string ("DPDK 22.11.x"). */
const char *rvs_rte_version(void);
/* The calling thread's lcore id (UINT32_MAX for unregistered threads). */
unsigned rvs_lcore_id(void);

uint16_t rvs_eth_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
/* rx_burst, then for each single-segment packet its data pointer and length; packets
 * of several segments are freed and counted in *dropped. Kept packets are compacted to
 * the front of pkts; returns how many. One call per burst instead of four per packet. */
uint16_t rvs_eth_rx_burst_meta(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
                               uint8_t **data, uint32_t *lens, uint16_t n, uint16_t *dropped);
/* Frees n mbufs (NULL entries are skipped). */
void rvs_pktmbuf_free_array(struct rte_mbuf **pkts, unsigned n);
uint16_t rvs_eth_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);

struct rte_mbuf *rvs_pktmbuf_alloc(struct rte_mempool *mp);
int rvs_pktmbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **pkts, unsigned n);
void rvs_pktmbuf_free(struct rte_mbuf *m);
/* Start of the first segment's data. */
uint8_t *rvs_pktmbuf_data(struct rte_mbuf *m);
uint16_t rvs_pktmbuf_data_len(const struct rte_mbuf *m);
uint32_t rvs_pktmbuf_pkt_len(const struct rte_mbuf *m);
uint16_t rvs_pktmbuf_nb_segs(const struct rte_mbuf *m);
uint16_t rvs_pktmbuf_headroom(const struct rte_mbuf *m);
uint16_t rvs_pktmbuf_tailroom(const struct rte_mbuf *m);
/* Sets a single-segment mbuf's data offset and length; returns -1 if it does not fit. */
int rvs_pktmbuf_set_bounds(struct rte_mbuf *m, uint16_t data_off, uint16_t len);
void rvs_mbuf_refcnt_add(struct rte_mbuf *m, int16_t v);
/* Copies a multi-segment packet into one contiguous buffer; returns bytes copied. */
uint32_t rvs_pktmbuf_read_all(const struct rte_mbuf *m, uint8_t *buf, uint32_t cap);

#endif

package dev.dlock.sample;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * The coherent price cache of {@link PriceList} over HTTP: read a price (from this
 * instance's copy when it is current), or change it through any instance.
 */
@RestController
public class PriceController {

	private final PriceList prices;

	public PriceController(PriceList prices) {
		this.prices = prices;
	}

	/**
	 * The price of a SKU, and how often this instance has read it from the shared folder
	 * (a read served from the cached copy does not count).
	 */
	@GetMapping("/demo/price")
	public Map<String, Object> price(@RequestParam String sku) throws InterruptedException {
		String priced = DemoController.validSku(sku);
		return answer(priced, this.prices.price(priced));
	}

	/**
	 * Changes the price of a SKU; every instance's next read sees it.
	 */
	@PostMapping("/demo/price")
	public Map<String, Object> setPrice(@RequestParam String sku, @RequestParam long cents)
			throws InterruptedException {
		String priced = DemoController.validSku(sku);
		if (cents < 0) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "cents must not be negative");
		}
		this.prices.setPrice(priced, cents);
		return answer(priced, this.prices.price(priced));
	}

	private Map<String, Object> answer(String sku, long cents) {
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put("sku", sku);
		answer.put("cents", cents);
		answer.put("loads", this.prices.loads(sku));
		return answer;
	}

}
